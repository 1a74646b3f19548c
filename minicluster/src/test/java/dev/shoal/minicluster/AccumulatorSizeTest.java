package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.messages.job.AccumulatorValue;
import dev.shoal.messages.job.JobGraph;
import dev.shoal.minicluster.MiniCluster.Mode;
import dev.shoal.minicluster.client.JobExecutionResult;
import dev.shoal.minicluster.testjobs.LargeAccumulatorInvokable;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Accumulators too large for one remote message do not vanish with the message that carries
 * them (which left the job RUNNING or its client waiting for ever): the job ends, and its result
 * says what was dropped and why.
 */
@Timeout(120)
final class AccumulatorSizeTest {

  @Test
  void shouldFinishAndSayThatOneMegabyteOfAccumulatorsWasDropped() throws Exception {
    try (MiniCluster cluster = MiniCluster.builder().mode(Mode.ACTOR_SYSTEM_PER_COMPONENT).taskManagers(1).slotsPerTaskManager(2).build().start()) {
      // given a subtask that fills an accumulator with 1 MiB, in another actor system than the JobManager
      JobGraph.Builder one = JobGraph.builder("one-large");
      one.addVertex("fill", LargeAccumulatorInvokable.class, 1);
      // and a job whose two subtasks fill 100 KiB each: each fits a message, both together do not
      JobGraph.Builder two = JobGraph.builder("two-halves");
      two.addVertex("fill", LargeAccumulatorInvokable.class.getName(), 2, Map.of(LargeAccumulatorInvokable.CHARS, Integer.toString(100 * 1024)));

      // when they run, then each finishes, and the result explains instead of carrying the values
      for (JobGraph job : List.of(one.build(), two.build())) {
        JobExecutionResult result = cluster.submitJobAndWait(job);
        assertThat(result.accumulators()).containsOnlyKeys(AccumulatorValue.DROPPED);
        assertThat(result.accumulators().get(AccumulatorValue.DROPPED).value().toString())
            .contains("'" + LargeAccumulatorInvokable.NAME + "'").contains("more than the " + AccumulatorValue.MAX_MESSAGE_BYTES);
      }
    }
  }
}
