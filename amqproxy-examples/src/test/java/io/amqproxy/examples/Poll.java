package io.amqproxy.examples;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

/** Polling with a deadline, for what the tests cannot be told about: a process's HTTP answers. */
final class Poll {

    private Poll() {
    }

    /**
     * Asks until the answer satisfies the condition or the time is up; an exception counts as "not yet".
     *
     * @return the first answer that satisfied the condition
     * @throws AssertionError naming what was awaited and the last answer, when the time is up
     */
    static <T> T until(String what, Duration timeout, Callable<T> ask, Predicate<T> done) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Object last = null;
        while (true) {
            try {
                T answer = ask.call();
                if (done.test(answer)) {
                    return answer;
                }
                last = answer;
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " not seen within " + timeout + "; last answer: " + last);
            }
            Thread.sleep(25);
        }
    }
}
