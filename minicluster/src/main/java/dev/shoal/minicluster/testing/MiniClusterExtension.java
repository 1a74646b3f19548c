package dev.shoal.minicluster.testing;

import dev.shoal.minicluster.MiniCluster;
import dev.shoal.minicluster.client.JobClient;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorRef;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that runs a {@link MiniCluster} for a test class (by default) or for each test
 * method ({@link #perMethod()}). Tests, and {@code @BeforeAll}/{@code @BeforeEach} methods, take
 * the running cluster, a {@link JobClient} of it, or its JobManager's {@link ActorRef} as
 * parameters.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final MiniClusterExtension CLUSTER =
 *     new MiniClusterExtension(() -> MiniCluster.builder().taskManagers(2).slotsPerTaskManager(4));
 *
 * @Test
 * void test(MiniCluster cluster, JobClient client, ActorRef jobManager) { ... }
 * }</pre>
 *
 * <p>The cluster lives in the {@link ExtensionContext.Store} of the context that started it (the
 * test class, or the test method), which closes it when that context ends, after the class's
 * {@code @AfterAll} methods. A {@code @Nested} class finds its enclosing class's cluster in the
 * store and shares it: it starts no second cluster.
 */
public final class MiniClusterExtension
    implements BeforeAllCallback, BeforeEachCallback, ParameterResolver {

  private final Supplier<MiniCluster.Builder> builder;
  private final boolean perMethod;

  /** A cluster of one TaskManager with one slot in one actor system. */
  public MiniClusterExtension() {
    this(MiniCluster::builder);
  }

  /** A cluster as {@code builder} describes it, built anew for each test class. */
  public MiniClusterExtension(Supplier<MiniCluster.Builder> builder) {
    this(builder, false);
  }

  private MiniClusterExtension(Supplier<MiniCluster.Builder> builder, boolean perMethod) {
    this.builder = Objects.requireNonNull(builder, "builder");
    this.perMethod = perMethod;
  }

  /** The same, with a fresh cluster for each test method, closed after it. */
  public MiniClusterExtension perMethod() {
    return new MiniClusterExtension(builder, true);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    if (!perMethod && find(context) == null) {
      start(context);
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (perMethod) {
      start(context);
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == MiniCluster.class || type == JobClient.class || type == ActorRef.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    MiniCluster cluster = find(context);
    if (cluster == null) {
      throw new IllegalStateException(
          perMethod
              ? "This MiniClusterExtension runs a cluster per test method: @BeforeAll gets none."
              : "No MiniCluster runs for " + context.getDisplayName() + ".");
    }
    Class<?> type = parameter.getParameter().getType();
    if (type == JobClient.class) {
      return cluster.jobClient();
    }
    if (type == ActorRef.class) {
      return cluster.jobManager();
    }
    return cluster;
  }

  private void start(ExtensionContext context) {
    MiniCluster cluster = builder.get().build().start();
    context.getStore(namespace()).put(Running.class, new Running(cluster));
  }

  /** The cluster of this context or of an enclosing one (the store looks up its parents). */
  private MiniCluster find(ExtensionContext context) {
    Running running = context.getStore(namespace()).get(Running.class, Running.class);
    return running == null ? null : running.cluster();
  }

  /** One namespace per extension instance, so that a class may register several clusters. */
  private Namespace namespace() {
    return Namespace.create(MiniClusterExtension.class, this);
  }

  /**
   * A started cluster in a store; closed when its context ends.
   *
   * @param cluster the cluster
   */
  @SuppressWarnings("deprecation") // CloseableResource: closed by every JUnit 5 version
  private record Running(MiniCluster cluster)
      implements ExtensionContext.Store.CloseableResource, AutoCloseable {
    @Override
    public void close() {
      cluster.close();
    }
  }
}
