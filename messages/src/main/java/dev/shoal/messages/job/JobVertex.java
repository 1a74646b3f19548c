package dev.shoal.messages.job;

import java.util.Map;
import java.util.Objects;

/**
 * One operator of a job: the user class that runs in each of its {@code parallelism} subtasks.
 *
 * @param id the vertex id
 * @param name a name for logs and status
 * @param invokableClassName the class implementing the task API, loaded by the TaskManager
 * @param parallelism number of subtasks, at least 1
 * @param configuration settings handed to every subtask
 */
public record JobVertex(
    JobVertexID id,
    String name,
    String invokableClassName,
    int parallelism,
    Map<String, String> configuration) {

  public JobVertex {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(invokableClassName, "invokableClassName");
    configuration = Map.copyOf(configuration);
    if (invokableClassName.isBlank()) {
      throw new IllegalArgumentException("Vertex '" + name + "' has no invokable class.");
    }
    if (parallelism < 1) {
      throw new IllegalArgumentException(
          "Vertex '" + name + "' has parallelism " + parallelism + "; it must be at least 1.");
    }
  }
}
