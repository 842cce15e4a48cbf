/**
 * AMQP 0-9-1 on the wire. {@link io.amqproxy.impl.codec.FrameDecoder} finds frames in a buffer without copying
 * and checks their size before anything is buffered; {@link io.amqproxy.impl.codec.FrameWriter} copies a frame
 * under a new channel number; {@link io.amqproxy.impl.codec.MethodWriter} builds the few methods the proxy sends
 * itself; {@link io.amqproxy.impl.codec.MethodSpec} is the spec's method table (names, layouts, named arguments);
 * {@link io.amqproxy.impl.codec.MethodView} decodes a method once, allocation-free, for every rule to read;
 * {@link io.amqproxy.impl.codec.ContentHeader} checks a content header. Stateless classes, or objects reused by
 * one event loop (the view, reader and writer live in {@code LoopContext}).
 */
package io.amqproxy.impl.codec;
