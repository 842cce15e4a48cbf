package io.amqproxy.impl.upstream;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;

class SendBufferSizingTest {

    @Test
    void aBrokerOnThisMachineGetsASmallFixedSendBuffer() throws Exception {
        assertThat(SendBufferSizing.forBroker(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 5672)))
                .isEqualTo(128 * 1024);
        assertThat(SendBufferSizing.forBroker(new InetSocketAddress(InetAddress.getByName("::1"), 5672)))
                .isEqualTo(128 * 1024);
    }

    @Test
    void anyOtherBrokerKeepsTheKernelsAutotuning() throws Exception {
        // a fixed buffer would cap a far broker's throughput at buffer / round trip
        assertThat(SendBufferSizing.forBroker(new InetSocketAddress(InetAddress.getByName("10.1.2.3"), 5672))).isZero();
        assertThat(SendBufferSizing.forBroker(new InetSocketAddress(InetAddress.getByName("2001:db8::1"), 5672)))
                .isZero();
        assertThat(SendBufferSizing.forBroker(InetSocketAddress.createUnresolved("broker.example", 5672))).isZero();
        assertThat(SendBufferSizing.forBroker(null)).isZero();
    }
}
