package dev.shoal.messages.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** HOST:PORT as a person types it. */
final class HostPortTest {

  @Test
  void shouldReadAHostAndAPort() {
    // given / when
    HostPort named = HostPort.parse("hostA:6123");
    HostPort ipv6 = HostPort.parse("[::1]:6124");

    // then
    assertThat(named).isEqualTo(new HostPort("hostA", 6123));
    assertThat(named).hasToString("hostA:6123");
    assertThat(ipv6).isEqualTo(new HostPort("::1", 6124));
    assertThat(ipv6).hasToString("[::1]:6124");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "localhost:abc",
        "localhost",
        ":6123",
        "localhost:",
        "localhost:0",
        "localhost:65536",
        "::1:6123"
      })
  void shouldRefuseWhatIsNoHostAndPortSayingWhatIsExpected(String text) {
    // given / when / then
    assertThatThrownBy(() -> HostPort.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "'" + text + "' is not HOST:PORT with a port from 1 to 65535, e.g. localhost:6123");
  }
}
