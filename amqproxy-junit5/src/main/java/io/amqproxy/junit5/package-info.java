/**
 * amqproxy as a JUnit Jupiter extension: {@link io.amqproxy.junit5.AmqProxyExtension} runs a proxy in front of a
 * real broker for a test class or for each test, with recorded traffic, fault rules and conditions reset between
 * tests.
 */
package io.amqproxy.junit5;
