package dev.shoal.minicluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.messages.HardwareDescription;
import dev.shoal.messages.InstanceID;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.TaskManagerInfo;
import dev.shoal.messages.TaskManagerLocation;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What {@code shoal taskmanagers [--json]} prints for the TaskManagers the JobManager describes.
 */
@Timeout(30)
final class ShoalCliTaskManagersTest {

  private static final HardwareDescription HARDWARE =
      new HardwareDescription(2, 8L << 30, 1L << 30, 0);

  @Test
  void shouldPrintTheLargestHeartbeatGapOrADashBeforeTheSecondHeartbeat() {
    // given
    TaskManagerInfo steady = info("steady", Duration.ofMillis(212));
    TaskManagerInfo fresh = info("fresh", null);
    StringWriter out = new StringWriter();

    // when
    ShoalCli.printTable(new PrintWriter(out, true), List.of(steady, fresh));

    // then
    List<String> lines = out.toString().lines().toList();
    assertThat(lines.get(0)).contains("DATA PORT").endsWith("MAX GAP");
    assertThat(lines.get(1))
        .startsWith("steady")
        .contains("127.0.0.1:6124")
        .contains(" 6125 ")
        .endsWith("212 ms");
    assertThat(lines.get(2)).startsWith("fresh").endsWith("-");
    assertThat(lines.get(3)).isEqualTo("2 TaskManagers, 4 slots.");
  }

  @Test
  void shouldPrintTheLargestHeartbeatGapInMillisecondsAsJson() throws Exception {
    // given
    List<TaskManagerInfo> taskManagers =
        List.of(info("steady", Duration.ofNanos(212_700_000L)), info("fresh", null));

    // when
    JsonNode json = new ObjectMapper().readTree(ShoalCli.toJson(taskManagers));

    // then
    assertThat(json.get(0).get("maxHeartbeatGapMs").asLong()).isEqualTo(212);
    assertThat(json.get(0).get("dataPort").asInt()).isEqualTo(6125);
    assertThat(json.get(1).get("maxHeartbeatGapMs").isNull()).isTrue();
  }

  private static TaskManagerInfo info(String id, Duration maxHeartbeatGap) {
    Instant registeredAt = Instant.parse("2024-05-01T10:00:00Z");
    return new TaskManagerInfo(
        InstanceID.generate(),
        new TaskManagerLocation(new ResourceID(id), "127.0.0.1", 6124, 6125),
        "pekko://shoal@127.0.0.1:6124/user/taskmanager",
        2,
        HARDWARE,
        registeredAt,
        registeredAt.plusSeconds(10),
        maxHeartbeatGap,
        null);
  }
}
