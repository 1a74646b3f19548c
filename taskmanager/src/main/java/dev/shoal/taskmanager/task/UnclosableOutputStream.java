package dev.shoal.taskmanager.task;

import java.io.IOException;
import java.io.OutputStream;

/** Lets the snapshot close its stream without closing the file: the runtime syncs and closes it. */
final class UnclosableOutputStream extends OutputStream {
  private final OutputStream out;

  UnclosableOutputStream(OutputStream out) {
    this.out = out;
  }

  @Override
  public void write(int b) throws IOException {
    out.write(b);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    out.write(b, off, len);
  }

  @Override
  public void flush() throws IOException {
    out.flush();
  }

  @Override
  public void close() throws IOException {
    out.flush();
  }
}
