package dev.shoal.messages.job;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

final class SerializedThrowableTest {

  @Test
  void shouldCutAMegabyteMessageWithAMarkerSoThatTheFailureFitsOneRemoteMessage() {
    // given an exception whose message is 1 MiB
    String huge = "x".repeat(1 << 20);

    // when it is serialized
    SerializedThrowable failure = SerializedThrowable.of(new IllegalStateException(huge));

    // then message and trace are bounded and say that they were cut, and how much
    assertThat(failure.message())
        .hasSize(SerializedThrowable.MAX_MESSAGE_CHARS)
        .startsWith("xxxx")
        .endsWith(
            "[truncated 1048576 characters to " + SerializedThrowable.MAX_MESSAGE_CHARS + "]");
    assertThat(failure.stackTrace())
        .hasSizeLessThanOrEqualTo(SerializedThrowable.MAX_STACK_TRACE_CHARS)
        .contains("truncated");
    assertThat(failure.className()).isEqualTo("java.lang.IllegalStateException");
  }

  @Test
  void shouldLeaveShortTextsAloneAndTruncatedOnesAsTheyAre() {
    // given
    SerializedThrowable small = SerializedThrowable.of("java.io.IOException", "disk full");
    SerializedThrowable cut = SerializedThrowable.of("java.io.IOException", "y".repeat(100_000));

    // when they are built again from their parts (as deserialization does)
    SerializedThrowable smallAgain =
        new SerializedThrowable(small.className(), small.message(), small.stackTrace());
    SerializedThrowable cutAgain =
        new SerializedThrowable(cut.className(), cut.message(), cut.stackTrace());

    // then nothing changes
    assertThat(smallAgain).isEqualTo(small);
    assertThat(small.message()).isEqualTo("disk full");
    assertThat(cutAgain).isEqualTo(cut);
  }
}
