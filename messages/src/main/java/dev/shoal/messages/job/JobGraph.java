package dev.shoal.messages.job;

import dev.shoal.messages.JobID;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A job as the client submits it: vertices (user classes with a parallelism) joined by edges
 * (intermediate data sets), plus the job's configuration. Validated on construction: at least one
 * vertex, unique vertex ids, edges between known vertices, no cycles.
 *
 * @param jobId the job's id
 * @param name a name for logs and status
 * @param vertices the vertices, in the order they were added
 * @param edges the edges
 * @param restartStrategy what happens when the job fails
 * @param settings the job configuration (Flink's keys where they exist), handed to every task
 */
public record JobGraph(
    JobID jobId,
    String name,
    List<JobVertex> vertices,
    List<JobEdge> edges,
    RestartStrategy restartStrategy,
    Map<String, String> settings) {

  public JobGraph {
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(restartStrategy, "restartStrategy");
    vertices = List.copyOf(vertices);
    edges = List.copyOf(edges);
    settings = Map.copyOf(settings);
    validate(name, vertices, edges);
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** The vertex with this id. */
  public JobVertex vertex(JobVertexID id) {
    for (JobVertex vertex : vertices) {
      if (vertex.id().equals(id)) {
        return vertex;
      }
    }
    throw new IllegalArgumentException("Job '" + name + "' has no vertex " + id);
  }

  /** The edges leaving {@code vertex}, in job graph order: a producer's output indexes. */
  public List<JobEdge> outputsOf(JobVertexID vertex) {
    return edges.stream().filter(e -> e.source().equals(vertex)).toList();
  }

  /** The edges entering {@code vertex}, in job graph order: a consumer's input indexes. */
  public List<JobEdge> inputsOf(JobVertexID vertex) {
    return edges.stream().filter(e -> e.target().equals(vertex)).toList();
  }

  /** The highest parallelism of any vertex: the slots the job needs with slot sharing. */
  public int maxParallelism() {
    return vertices.stream().mapToInt(JobVertex::parallelism).max().orElse(0);
  }

  /** The number of subtasks of all vertices together. */
  public int numberOfSubtasks() {
    return vertices.stream().mapToInt(JobVertex::parallelism).sum();
  }

  private static void validate(String name, List<JobVertex> vertices, List<JobEdge> edges) {
    if (vertices.isEmpty()) {
      throw new IllegalArgumentException("Job '" + name + "' has no vertices.");
    }
    Map<JobVertexID, JobVertex> byId = new HashMap<>();
    for (JobVertex vertex : vertices) {
      if (byId.put(vertex.id(), vertex) != null) {
        throw new IllegalArgumentException(
            "Job '" + name + "' has two vertices with id " + vertex.id());
      }
    }
    Map<JobVertexID, List<JobVertexID>> successors = new HashMap<>();
    Map<JobVertexID, Integer> inDegree = new HashMap<>();
    byId.keySet().forEach(id -> inDegree.put(id, 0));
    for (JobEdge edge : edges) {
      for (JobVertexID end : List.of(edge.source(), edge.target())) {
        if (!byId.containsKey(end)) {
          throw new IllegalArgumentException(
              "Job '" + name + "' has an edge to or from the unknown vertex " + end);
        }
      }
      successors.computeIfAbsent(edge.source(), k -> new ArrayList<>()).add(edge.target());
      inDegree.merge(edge.target(), 1, Integer::sum);
    }
    // Kahn's algorithm: whatever is never freed lies on a cycle
    Deque<JobVertexID> free = new ArrayDeque<>();
    inDegree.forEach(
        (id, degree) -> {
          if (degree == 0) {
            free.add(id);
          }
        });
    Set<JobVertexID> sorted = new HashSet<>();
    while (!free.isEmpty()) {
      JobVertexID id = free.poll();
      sorted.add(id);
      for (JobVertexID next : successors.getOrDefault(id, List.of())) {
        if (inDegree.merge(next, -1, Integer::sum) == 0) {
          free.add(next);
        }
      }
    }
    if (sorted.size() != byId.size()) {
      // what is left lies on a cycle or downstream of one; peel off the downstream part
      Set<JobVertexID> remaining = new HashSet<>(byId.keySet());
      remaining.removeAll(sorted);
      boolean peeled = true;
      while (peeled) {
        peeled =
            remaining.removeIf(
                id ->
                    successors.getOrDefault(id, List.of()).stream().noneMatch(remaining::contains));
      }
      List<String> onCycle =
          vertices.stream().filter(v -> remaining.contains(v.id())).map(JobVertex::name).toList();
      throw new IllegalArgumentException(
          "Job '" + name + "' has a cycle through the vertices " + onCycle);
    }
  }

  /** Builds a {@link JobGraph}; {@link #build()} validates it. */
  public static final class Builder {
    private final String name;
    private JobID jobId = JobID.generate();
    private final List<JobVertex> vertices = new ArrayList<>();
    private final List<JobEdge> edges = new ArrayList<>();
    private final Map<String, String> settings = new LinkedHashMap<>();
    private RestartStrategy restartStrategy;

    private Builder(String name) {
      this.name = Objects.requireNonNull(name, "name");
    }

    public Builder jobId(JobID jobId) {
      this.jobId = Objects.requireNonNull(jobId, "jobId");
      return this;
    }

    /** Adds a vertex and returns its id, for {@link #connect}. */
    public JobVertexID addVertex(
        String vertexName,
        String invokableClassName,
        int parallelism,
        Map<String, String> configuration) {
      JobVertex vertex =
          new JobVertex(
              JobVertexID.generate(), vertexName, invokableClassName, parallelism, configuration);
      vertices.add(vertex);
      return vertex.id();
    }

    /**
     * Adds a vertex with a given id, e.g. one derived from the program so that a re-submitted job's
     * vertices match the state of a savepoint; {@link #build()} refuses duplicate ids.
     */
    public JobVertexID addVertex(
        JobVertexID id,
        String vertexName,
        String invokableClassName,
        int parallelism,
        Map<String, String> configuration) {
      JobVertex vertex =
          new JobVertex(
              Objects.requireNonNull(id, "id"),
              vertexName,
              invokableClassName,
              parallelism,
              configuration);
      vertices.add(vertex);
      return vertex.id();
    }

    public JobVertexID addVertex(String vertexName, Class<?> invokableClass, int parallelism) {
      return addVertex(vertexName, invokableClass.getName(), parallelism, Map.of());
    }

    /** Connects two vertices with the default partitioner of {@code pattern}. */
    public Builder connect(JobVertexID source, JobVertexID target, DistributionPattern pattern) {
      edges.add(new JobEdge(source, target, pattern));
      return this;
    }

    /** Connects two vertices; the producer spreads its records with {@code partitioner}. */
    public Builder connect(
        JobVertexID source,
        JobVertexID target,
        DistributionPattern pattern,
        Partitioner partitioner) {
      edges.add(new JobEdge(source, target, pattern, partitioner));
      return this;
    }

    /** Sets a job configuration key, e.g. {@code restart-strategy} = {@code fixed-delay}. */
    public Builder setting(String key, String value) {
      settings.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    public Builder settings(Map<String, String> values) {
      values.forEach(this::setting);
      return this;
    }

    /** Overrides the restart strategy the settings describe. */
    public Builder restartStrategy(RestartStrategy strategy) {
      this.restartStrategy = Objects.requireNonNull(strategy, "strategy");
      return this;
    }

    public JobGraph build() {
      RestartStrategy strategy =
          restartStrategy != null ? restartStrategy : RestartStrategy.fromSettings(settings);
      return new JobGraph(jobId, name, vertices, edges, strategy, settings);
    }
  }
}
