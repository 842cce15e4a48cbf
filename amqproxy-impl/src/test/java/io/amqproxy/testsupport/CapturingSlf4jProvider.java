package io.amqproxy.testsupport;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A test-only SLF4J 2 provider that hands every log event to {@link LogCapture}, so a test can read all the proxy
 * logged without a logging library on the test classpath. Registered in
 * {@code META-INF/services/org.slf4j.spi.SLF4JServiceProvider} of the test resources; test classes come first on
 * the Surefire class path, so SLF4J picks this one even if another provider arrives later.
 *
 * <p>While {@link LogCapture} is not recording, every level reports itself disabled and nothing is kept.
 */
public final class CapturingSlf4jProvider implements SLF4JServiceProvider {

    private final Factory factory = new Factory();
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();

    @Override
    public ILoggerFactory getLoggerFactory() {
        return factory;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    @Override
    public void initialize() {
        // nothing to set up
    }

    /** Hands out one {@link CapturingLogger} per name. */
    static final class Factory implements ILoggerFactory {
        private final ConcurrentMap<String, Logger> loggers = new ConcurrentHashMap<>();

        @Override
        public Logger getLogger(String name) {
            return loggers.computeIfAbsent(name, CapturingLogger::new);
        }
    }

    /** Every level enabled while recording; messages formatted the way SLF4J formats them for any backend. */
    static final class CapturingLogger extends LegacyAbstractLogger {
        private static final long serialVersionUID = 1L;

        CapturingLogger(String name) {
            this.name = name;
        }

        @Override
        public boolean isTraceEnabled() {
            return LogCapture.active();
        }

        @Override
        public boolean isDebugEnabled() {
            return LogCapture.active();
        }

        @Override
        public boolean isInfoEnabled() {
            return LogCapture.active();
        }

        @Override
        public boolean isWarnEnabled() {
            return LogCapture.active();
        }

        @Override
        public boolean isErrorEnabled() {
            return LogCapture.active();
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String messagePattern,
                                                   Object[] arguments, Throwable throwable) {
            if (!LogCapture.active()) {
                return;
            }
            String message = MessageFormatter.basicArrayFormat(messagePattern, arguments);
            LogCapture.record(level.name(), name, message, throwable);
        }
    }
}
