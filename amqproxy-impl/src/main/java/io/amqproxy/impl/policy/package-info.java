/**
 * The rules of the channel data path, one class each, each with its invariant in its header: {@link
 * io.amqproxy.impl.policy.MethodAdmission}, {@link io.amqproxy.impl.policy.ConnectionErrorGuard} (with {@code
 * NotImplementedArguments}, {@code ConsumerTags}, {@code QueueTypeRules}, {@code ExchangeTypes}; what it learns
 * of the brokers is in {@code BrokerFacts}, shared by all loops), {@link io.amqproxy.impl.policy.ConsumerMove}, {@link
 * io.amqproxy.impl.policy.ExclusiveQueueGuard}, {@link io.amqproxy.impl.policy.SafeReuse} and {@link
 * io.amqproxy.impl.policy.PublishAssembler}. A rule reads the one decode of a method ({@code MethodView}) and
 * decides; a refusal ({@link io.amqproxy.impl.policy.Refusal}) says what to close, in the broker's words. The
 * rules own their state and touch no socket, so they are tested as plain state machines; the client's channel
 * ({@code session.ClientChannel}) calls them in a fixed order and carries out what they decide. A new rule is a
 * new class here and one call there. Each instance belongs to one client channel or session, on its loop thread.
 */
package io.amqproxy.impl.policy;
