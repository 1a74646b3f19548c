package dev.shoal.taskmanager.task;

import dev.shoal.messages.job.TaskDeploymentDescriptor;

/**
 * Where a task gets the class loader of its job's code. For now every job runs with the
 * TaskManager's own class loader ({@link #taskManagerClassLoader()}); per-job class loaders over
 * the job's jars replace it later without touching {@link Task}.
 *
 * <p>Threading: called on task threads, concurrently for different tasks; implementations must be
 * thread-safe and may block (to fetch jars), never on an actor's thread.
 */
@FunctionalInterface
public interface UserCodeClassLoaders {

  /**
   * The class loader to load and run the task's invokable with.
   *
   * @throws Exception when the job's code cannot be made available; the task then FAILS with it
   */
  ClassLoader classLoaderFor(TaskDeploymentDescriptor descriptor) throws Exception;

  /** Every job's code comes from the class loader that loaded the TaskManager. */
  static UserCodeClassLoaders taskManagerClassLoader() {
    ClassLoader own = UserCodeClassLoaders.class.getClassLoader();
    return descriptor -> own;
  }
}
