package dev.shoal.minicluster.testing;

import dev.shoal.minicluster.MiniCluster;
import java.util.Objects;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that starts one {@link MiniCluster} before the first test of a class and
 * closes it after the last. Register it on a static field; tests get the cluster from the field
 * or as a {@code MiniCluster} parameter.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final MiniClusterExtension CLUSTER =
 *     new MiniClusterExtension(() -> MiniCluster.builder().taskManagers(2).slotsPerTaskManager(4));
 *
 * @Test
 * void test(MiniCluster cluster) { ... }
 * }</pre>
 */
public final class MiniClusterExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

  private final Supplier<MiniCluster.Builder> builder;
  private MiniCluster cluster;

  /** A cluster of one TaskManager with one slot in one actor system. */
  public MiniClusterExtension() {
    this(MiniCluster::builder);
  }

  /** A cluster as {@code builder} describes it, built anew for each test class. */
  public MiniClusterExtension(Supplier<MiniCluster.Builder> builder) {
    this.builder = Objects.requireNonNull(builder, "builder");
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    cluster = builder.get().build().start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (cluster != null) {
      cluster.close();
      cluster = null;
    }
  }

  /** The running cluster of the current test class. */
  public MiniCluster cluster() {
    if (cluster == null) {
      throw new IllegalStateException("The MiniCluster runs only between beforeAll and afterAll");
    }
    return cluster;
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == MiniCluster.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return cluster();
  }
}
