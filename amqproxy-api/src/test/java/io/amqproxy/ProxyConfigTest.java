package io.amqproxy;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProxyConfigTest {

    @Test
    void defaultsMatchCloudamqpAmqproxyAndRabbitmq() {
        ProxyConfig c = AmqProxy.builder().upstream("amqp://broker.example.com").build();
        assertThat(c.upstream()).isEqualTo(new Upstream("broker.example.com", 5672, false));
        assertThat(c.listenHost()).isEqualTo("localhost");
        assertThat(c.listenPort()).isEqualTo(5673);
        assertThat(c.timeouts().idleUpstream()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.timeouts().handshake()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.limits().maxChannelsPerUpstream()).isEqualTo(2047);
        assertThat(c.limits().frameMax()).isEqualTo(131072);
        assertThat(c.limits().maxMessageSize()).isEqualTo(128L * 1024 * 1024);
        assertThat(c.listener()).isSameAs(ProxyListener.NOOP);
    }

    @Test
    void amqpsUriDefaultsToPort5671AndIgnoresCredentialsAndVhost() {
        ProxyConfig c = AmqProxy.builder().upstream("amqps://user:secret@broker:1234/vhost").build();
        assertThat(c.upstream()).isEqualTo(new Upstream("broker", 1234, true));
        assertThat(c.upstream().toString()).isEqualTo("amqps://broker:1234").doesNotContain("secret");
        assertThat(AmqProxy.builder().upstream("AMQPS://b").build().upstream().port()).isEqualTo(5671);
    }

    @Test
    void badSettingsFailFastNamingTheSetting() {
        assertThatThrownBy(() -> AmqProxy.builder().build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("upstream is required");
        assertThatThrownBy(() -> AmqProxy.builder().upstream("http://broker:5672").build())
                .hasMessageContaining("amqp:// or amqps://").hasMessageContaining("http");
        assertThatThrownBy(() -> AmqProxy.builder().upstream("amqp://").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("amqp://host[:port]");
        assertThatThrownBy(() -> AmqProxy.builder().upstream("amqp://user:secret@/vhost").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host")
                .message().doesNotContain("secret");
        assertThatThrownBy(() -> AmqProxy.builder().upstream("amqp://b").listen(70000).build())
                .hasMessageContaining("listen port must be between 0 and 65535, was 70000");
        assertThatThrownBy(() -> AmqProxy.builder().upstream("amqp://b").listen(-1).build())
                .hasMessageContaining("listen port");
        assertThatThrownBy(() -> AmqProxy.builder().upstream("amqp://b").idleUpstreamTimeout(Duration.ofSeconds(-1)).build())
                .hasMessageContaining("idleUpstreamTimeout must not be negative");
        assertThatThrownBy(() -> AmqProxy.builder().upstream("amqp://b").maxChannelsPerUpstream(0).build())
                .hasMessageContaining("maxChannelsPerUpstream");
        assertThatThrownBy(() -> AmqProxy.builder().upstream("amqp://b").frameMax(100).build())
                .hasMessageContaining("frameMax");
        assertThatThrownBy(() -> AmqProxy.builder().upstream("amqp://b").eventLoops(0).build())
                .hasMessageContaining("eventLoops");
    }

    @Test
    void startWithoutAnImplementationNamesTheArtifactToAdd() {
        // amqproxy-api's own tests run without amqproxy-impl on the classpath
        assertThatThrownBy(() -> AmqProxy.builder().upstream("amqp://127.0.0.1").listen(0).start())
                .isInstanceOf(AmqProxyException.class)
                .hasMessageContaining("io.amqproxy:amqproxy-impl");
    }
}
