package io.amqproxy.examples.bench;

/** The two ways to reach one broker that a workload compares. */
record Endpoints(Target direct, Target proxy) {

    /** The target of one side. */
    Target target(Side side) {
        return side == Side.DIRECT ? direct : proxy;
    }
}
