package dev.shoal.taskmanager.network;

/**
 * The buffers of one result partition: {@code required} reserved in the {@link NetworkBufferPool},
 * more borrowed (up to {@code max}) only while it has them free and given back as soon as they
 * return. {@link #requestBuffer()} blocks while all are in use: that is how a slow consumer slows
 * its producer (back-pressure).
 *
 * <p>Threading: thread-safe. The producer's task thread requests; whoever consumes a buffer
 * recycles it, from any thread.
 */
public final class LocalBufferPool implements Buffer.Recycler {

  private final NetworkBufferPool global;
  private final String owner;
  private final int required;
  private final int max;
  // guarded by this
  private int owned;
  private int inUse;
  private boolean destroyed;

  LocalBufferPool(NetworkBufferPool global, String owner, int required, int max) {
    this.global = global;
    this.owner = owner;
    this.required = required;
    this.max = max;
    this.owned = required;
  }

  /**
   * A buffer to fill, waiting while none is free.
   *
   * @throws InterruptedException when the task is cancelled while it waits
   * @throws IllegalStateException once the pool is destroyed
   */
  public Buffer requestBuffer() throws InterruptedException {
    synchronized (this) {
      while (true) {
        if (destroyed) {
          throw new IllegalStateException("The buffer pool of " + owner + " was released.");
        }
        if (inUse < owned) {
          break;
        }
        if (owned < max && global.tryBorrow()) {
          owned++;
          break;
        }
        wait();
      }
      inUse++;
    }
    return new Buffer(global.segment(), 0, false, this);
  }

  @Override
  public void recycle(byte[] memory) {
    global.returnSegment(memory);
    int giveBack = 0;
    synchronized (this) {
      inUse--;
      if (destroyed || owned > required) {
        owned--;
        giveBack = 1;
      }
      notifyAll();
    }
    if (giveBack > 0) {
      global.giveBack(giveBack);
    }
  }

  /** Gives back every buffer not in use now, and each in use once it returns. */
  public void destroy() {
    int giveBack;
    synchronized (this) {
      if (destroyed) {
        return;
      }
      destroyed = true;
      giveBack = owned - inUse;
      owned = inUse;
      notifyAll();
    }
    global.giveBack(giveBack);
  }
}
