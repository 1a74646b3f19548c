package dev.shoal.taskmanager.network;

import dev.shoal.messages.ExecutionAttemptID;
import dev.shoal.messages.ResourceID;
import dev.shoal.messages.job.ResultPartitionID;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.apache.pekko.util.ByteString;

/**
 * The frames of the data connection between two TaskManagers. Each is a 4-byte length (of what
 * follows), a type byte and the type's fields, big-endian. Consumer-side ids ({@code receiverId})
 * name a channel of the TaskManager that asked for the subpartition.
 *
 * <pre>
 * HELLO             resource id, incarnation     first frame on a new connection
 * HELLO_ACK         resource id, incarnation     the connection is accepted
 * REJECT                                         simultaneous open: the other connection wins;
 *                                                the receiver closes this one
 * PARTITION_REQUEST receiverId, producer attempt, output index, subpartition, initial credit
 * ADD_CREDIT        receiverId, credit
 * BUFFER            receiverId, event flag, bytes
 * ERROR             receiverId, message          the subpartition cannot be delivered
 * CANCEL            receiverId                   the consumer gives up on it
 * </pre>
 */
final class Frames {

  static final byte HELLO = 0;
  static final byte HELLO_ACK = 1;
  static final byte REJECT = 2;
  static final byte PARTITION_REQUEST = 3;
  static final byte ADD_CREDIT = 4;
  static final byte BUFFER = 5;
  static final byte ERROR = 6;
  static final byte CANCEL = 7;

  /** Length field plus type byte. */
  static final int HEADER = 5;

  /** Where a BUFFER frame's bytes start: header, receiver id, event flag. */
  static final int BUFFER_PAYLOAD = HEADER + 8 + 1;

  private Frames() {}

  /**
   * Who is on the other end: a TaskManager's resource id and the incarnation of its network (a
   * TaskManager restarted under the same id has a new one).
   *
   * @param resourceId the TaskManager
   * @param incarnation its network's incarnation
   */
  record Hello(ResourceID resourceId, String incarnation) {}

  static ByteString hello(Hello self) {
    return withString(HELLO, self.resourceId().value() + "\n" + self.incarnation());
  }

  static ByteString helloAck(Hello self) {
    return withString(HELLO_ACK, self.resourceId().value() + "\n" + self.incarnation());
  }

  static Hello readHello(ByteBuffer b) {
    String text = readString(b);
    int separator = text.indexOf('\n');
    if (separator <= 0) {
      throw new IllegalArgumentException("A handshake frame without an incarnation.");
    }
    return new Hello(new ResourceID(text.substring(0, separator)), text.substring(separator + 1));
  }

  static ByteString reject() {
    return ByteString.fromArrayUnsafe(allocate(REJECT, 0).array());
  }

  static ByteString partitionRequest(
      long receiverId, ResultPartitionID partition, int subpartition, int credit) {
    UUID producer = partition.producer().value();
    ByteBuffer b = allocate(PARTITION_REQUEST, 8 + 16 + 4 + 4 + 4);
    b.putLong(receiverId)
        .putLong(producer.getMostSignificantBits())
        .putLong(producer.getLeastSignificantBits());
    b.putInt(partition.outputIndex()).putInt(subpartition).putInt(credit);
    return ByteString.fromArrayUnsafe(b.array());
  }

  static ByteString addCredit(long receiverId, int credit) {
    ByteBuffer b = allocate(ADD_CREDIT, 12);
    b.putLong(receiverId).putInt(credit);
    return ByteString.fromArrayUnsafe(b.array());
  }

  /** A buffer's bytes, copied: the buffer may be recycled once this returns. */
  static ByteString buffer(long receiverId, Buffer buffer) {
    int size = buffer.size();
    ByteBuffer b = allocate(BUFFER, 9 + size);
    b.putLong(receiverId)
        .put(buffer.isEvent() ? (byte) 1 : (byte) 0)
        .put(buffer.memory(), buffer.offset(), size);
    return ByteString.fromArrayUnsafe(b.array());
  }

  static ByteString error(long receiverId, String message) {
    byte[] text = message.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = allocate(ERROR, 8 + text.length);
    b.putLong(receiverId).put(text);
    return ByteString.fromArrayUnsafe(b.array());
  }

  static ByteString cancel(long receiverId) {
    ByteBuffer b = allocate(CANCEL, 8);
    b.putLong(receiverId);
    return ByteString.fromArrayUnsafe(b.array());
  }

  private static ByteString withString(byte type, String value) {
    byte[] text = value.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = allocate(type, text.length);
    b.put(text);
    return ByteString.fromArrayUnsafe(b.array());
  }

  private static ByteBuffer allocate(byte type, int bodyLength) {
    ByteBuffer b = ByteBuffer.wrap(new byte[HEADER + bodyLength]);
    b.putInt(1 + bodyLength).put(type);
    return b;
  }

  // ------------------------------------------------------------------------------------------
  //  Reading: a frame as the length-field framing delivers it, length field included
  // ------------------------------------------------------------------------------------------

  static ByteBuffer body(ByteString frame) {
    ByteBuffer b = frame.asByteBuffer();
    b.position(4);
    return b;
  }

  static String readString(ByteBuffer b) {
    byte[] text = new byte[b.remaining()];
    b.get(text);
    return new String(text, StandardCharsets.UTF_8);
  }

  static ResultPartitionID readPartitionId(ByteBuffer b) {
    UUID producer = new UUID(b.getLong(), b.getLong());
    return new ResultPartitionID(new ExecutionAttemptID(producer), b.getInt());
  }
}
