package dev.shoal.messages.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Durations printed as people write them, and read back from what they type. */
final class DurationsTest {

  @ParameterizedTest
  @CsvSource({
    "PT0S, 0 ms",
    "PT0.5S, 500 ms",
    "PT0.00025S, 250 µs",
    "PT0.000000007S, 7 ns",
    "PT1.5S, 1.5 s",
    "PT15.499S, 15.499 s",
    "PT10S, 10 s",
    "PT90S, 90 s",
    "PT5M, 5 min",
    "PT90M, 90 min",
    "PT2H, 2 h",
    "PT48H, 2 d",
    "PT-1S, -1 s"
  })
  void shouldFormatADurationAsPeopleWriteIt(String iso, String expected) {
    // given
    Duration duration = Duration.parse(iso);

    // when
    String formatted = Durations.format(duration);

    // then
    assertThat(formatted).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({
    "10s, PT10S",
    "500ms, PT0.5S",
    "500 ms, PT0.5S",
    "5 min, PT5M",
    "5min, PT5M",
    "2 mins, PT2M",
    "5m, PT5M",
    "2 minutes, PT2M",
    "1.5 s, PT1.5S",
    "1h, PT1H",
    "PT10S, PT10S",
    "pt0.5s, PT0.5S",
    "P1D, PT24H",
    "100, PT0.1S",
    " 10 s , PT10S",
    "-2min, PT-2M",
    "-5s, PT-5S",
    "2.5 min, PT2M30S",
    "250 µs, PT0.00025S",
    "250us, PT0.00025S"
  })
  void shouldParseWhatPeopleTypeAndIso8601(String text, String iso) {
    // given / when
    Duration parsed = Durations.parse(text);

    // then
    assertThat(parsed).isEqualTo(Duration.parse(iso));
  }

  @org.junit.jupiter.api.Test
  void shouldFormatADurationTooLongForNanosecondsWithoutOverflowing() {
    // given: more than Long.MAX_VALUE nanoseconds, with a fraction of a millisecond
    Duration huge = Duration.ofSeconds(Long.MAX_VALUE / 2, 123_456);

    // when / then
    assertThat(Durations.format(huge)).endsWith(" ms").startsWith("4611686");
  }

  @ParameterizedTest
  @ValueSource(strings = {"500 ms", "1.5 s", "10 s", "5 min", "2 h", "3 d", "250 µs"})
  void shouldReadBackWhatItPrints(String text) {
    // given / when / then
    assertThat(Durations.format(Durations.parse(text))).isEqualTo(text);
  }

  @ParameterizedTest
  @ValueSource(strings = {"abc", "10 parsecs", "PTabc", "", "s10"})
  void shouldRefuseWhatIsNoDurationNamingIt(String text) {
    // given / when / then
    assertThatThrownBy(() -> Durations.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("'" + text + "' is not");
  }
}
