package dev.shoal.taskmanager.dataflow;

import dev.shoal.taskmanager.api.Codec;
import dev.shoal.taskmanager.api.DataReader;
import dev.shoal.taskmanager.api.DataWriter;
import dev.shoal.taskmanager.api.MalformedRecordException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.NotSerializableException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;

/**
 * The key codec of {@link DataStream#keyBy(io.vavr.Function1)} without a codec: Java serialization,
 * as a length-prefixed byte array. It works for any {@link java.io.Serializable} key but is slow
 * and large next to a dedicated codec, and a key class that changes between snapshot and restore
 * may not read back; pass a codec to {@code keyBy} for keyed state that matters. Classes resolve
 * with the thread's context class loader (the job's, on a task thread).
 */
enum JavaSerializationCodec implements Codec<Object> {
  INSTANCE;

  @Override
  public void encode(Object value, DataWriter out) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
    try (ObjectOutputStream objects = new ObjectOutputStream(bytes)) {
      objects.writeObject(value);
    } catch (NotSerializableException e) {
      throw new IllegalArgumentException(
          "A key of type "
              + value.getClass().getName()
              + " cannot be written into a snapshot: it is or"
              + " holds a "
              + e.getMessage()
              + ", which is not Serializable. Give keyBy a Codec for the key.",
          e);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "A key of type " + value.getClass().getName() + " cannot be Java-serialized: " + e, e);
    }
    out.writeByteArray(bytes.toByteArray());
  }

  @Override
  public Object decode(DataReader in) {
    byte[] bytes = in.readByteArray();
    try (ObjectInputStream objects =
        new ContextClassLoaderObjectInputStream(new ByteArrayInputStream(bytes))) {
      return objects.readObject();
    } catch (IOException | ClassNotFoundException e) {
      throw new MalformedRecordException("A Java-serialized key cannot be read: " + e, e);
    }
  }

  @Override
  public String toString() {
    return "the Java serialization key codec";
  }

  private static final class ContextClassLoaderObjectInputStream extends ObjectInputStream {
    ContextClassLoaderObjectInputStream(InputStream in) throws IOException {
      super(in);
    }

    @Override
    protected Class<?> resolveClass(ObjectStreamClass desc)
        throws IOException, ClassNotFoundException {
      ClassLoader loader = Thread.currentThread().getContextClassLoader();
      if (loader != null) {
        try {
          return Class.forName(desc.getName(), false, loader);
        } catch (ClassNotFoundException e) {
          // primitive types and the like
        }
      }
      return super.resolveClass(desc);
    }
  }
}
