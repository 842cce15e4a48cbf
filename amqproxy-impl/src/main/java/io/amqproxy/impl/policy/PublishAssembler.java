package io.amqproxy.impl.policy;

import io.amqproxy.impl.codec.ContentHeader;
import io.amqproxy.impl.codec.FrameWriter;
import io.amqproxy.impl.codec.Frames;
import io.amqproxy.impl.codec.MethodReader;
import io.amqproxy.impl.codec.Methods;
import io.amqproxy.impl.codec.ReplyCodes;
import io.amqproxy.impl.loop.BufferPool;
import io.amqproxy.impl.loop.OutputBuffer;

import java.nio.ByteBuffer;

/**
 * Assembles one client channel's basic.publish (the method, its content header, its body frames) into a stage,
 * under the upstream channel number, until the message is whole. Invariant: only whole messages leave the stage,
 * so a client that dies or misbehaves mid-message never leaves half a message on a shared upstream channel. The
 * checks on the way are the broker's: a header that does not decode, a body larger than allowed or than the
 * header said, a frame of another kind in between.
 *
 * <p>An explicit state machine: {@code IDLE -> HEADER (after the method) -> BODY (after a header announcing a
 * body) -> IDLE}, the message whole when it returns to IDLE. The stage is taken from the loop's pool when first
 * needed and kept for the channel's life. Loop thread only.
 */
public final class PublishAssembler {

    private enum State { IDLE, HEADER, BODY }

    private final BufferPool pool;
    private final long maxMessageSize;
    private OutputBuffer stage;
    private State state = State.IDLE;
    private long bodyRemaining;
    private boolean whole;

    public PublishAssembler(BufferPool pool, long maxMessageSize) {
        this.pool = pool;
        this.maxMessageSize = maxMessageSize;
    }

    /** Whether a publish is under way: the channel's next frames are its content. */
    public boolean assembling() {
        return state != State.IDLE;
    }

    /** Whether the last frame completed a message, which waits in {@link #stage()} to be sent. */
    public boolean isWhole() {
        return whole;
    }

    /** The staged frames; a whole message is taken from here (appended to an output, which empties it). */
    public OutputBuffer stage() {
        return stage;
    }

    /** Starts a message with its basic.publish method frame, staged under {@code upstreamChannel}. */
    public void begin(int upstreamChannel, ByteBuffer buf, int off, int len) {
        if (stage == null) {
            stage = new OutputBuffer(pool);
        }
        FrameWriter.frame(stage, Frames.TYPE_METHOD, upstreamChannel, buf, off, len);
        state = State.HEADER;
        whole = false;
    }

    /**
     * Takes the next frame of the message under way.
     *
     * @param upstreamFrameMax the upstream connection's frame_max: bodies are split to fit it
     * @param tables           a reader to check the header's field tables with
     * @return {@code null} if the frame was staged (see {@link #isWhole()}), or why the channel or connection
     *         must close; the stage is then dropped
     */
    public Refusal content(int type, ByteBuffer buf, int off, int len, int upstreamChannel, int upstreamFrameMax,
                           MethodReader tables) {
        if (type == Frames.TYPE_HEADER && state == State.HEADER) {
            if (!ContentHeader.fits(buf, off, len, tables)) {
                return drop(Refusal.connection(ReplyCodes.SYNTAX_ERROR, "cannot decode the content header", 0));
            }
            long bodySize = ContentHeader.bodySize(buf, off);
            if (bodySize < 0 || bodySize > maxMessageSize) {
                return drop(Refusal.channel(ReplyCodes.PRECONDITION_FAILED, "message size " + bodySize
                        + " is larger than configured max size " + maxMessageSize, Methods.BASIC_PUBLISH));
            }
            FrameWriter.frame(stage, Frames.TYPE_HEADER, upstreamChannel, buf, off, len);
            bodyRemaining = bodySize;
            state = State.BODY;
        } else if (type == Frames.TYPE_BODY && state == State.BODY) {
            if (len > bodyRemaining) {
                return drop(Refusal.connection(ReplyCodes.FRAME_ERROR,
                        "content body larger than the size its header declared", 0));
            }
            FrameWriter.bodyFrames(stage, upstreamChannel, buf, off, len, upstreamFrameMax);
            bodyRemaining -= len;
        } else {
            return drop(Refusal.connection(ReplyCodes.UNEXPECTED_FRAME, state == State.BODY
                    ? "expected content body, got another frame instead"
                    : "expected content header for class 60, got another frame instead", 0));
        }
        if (bodyRemaining == 0) {
            state = State.IDLE;
            whole = true;
        }
        return null;
    }

    private Refusal drop(Refusal why) {
        clear();
        return why;
    }

    /** Drops whatever is staged, whole or not (the channel closes, or a held message is abandoned). */
    public void clear() {
        if (stage != null) {
            stage.clear();
        }
        state = State.IDLE;
        whole = false;
    }
}
