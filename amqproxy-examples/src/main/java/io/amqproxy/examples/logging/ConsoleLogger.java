package io.amqproxy.examples.logging;

import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/**
 * An slf4j logger that writes through {@link ConsoleLog}. Holds only its name; the level and format are
 * {@link ConsoleLog}'s, so a logger made before {@link ConsoleLog#configure} follows it too. Thread-safe.
 */
final class ConsoleLogger extends LegacyAbstractLogger {

    private static final long serialVersionUID = 1L;

    ConsoleLogger(String name) {
        this.name = name;
    }

    @Override
    public boolean isTraceEnabled() {
        return ConsoleLog.enabled(Level.TRACE);
    }

    @Override
    public boolean isDebugEnabled() {
        return ConsoleLog.enabled(Level.DEBUG);
    }

    @Override
    public boolean isInfoEnabled() {
        return ConsoleLog.enabled(Level.INFO);
    }

    @Override
    public boolean isWarnEnabled() {
        return ConsoleLog.enabled(Level.WARN);
    }

    @Override
    public boolean isErrorEnabled() {
        return ConsoleLog.enabled(Level.ERROR);
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
                                               Throwable throwable) {
        String message = arguments == null || arguments.length == 0
                ? String.valueOf(pattern)
                : MessageFormatter.basicArrayFormat(pattern, arguments);
        ConsoleLog.write(level, name, message, throwable);
    }
}
