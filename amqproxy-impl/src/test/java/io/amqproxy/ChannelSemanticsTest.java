package io.amqproxy;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.LongString;
import com.rabbitmq.client.Return;
import io.amqproxy.testsupport.Await;
import io.amqproxy.testsupport.BrokerSide;
import io.amqproxy.testsupport.ProxyFixture;
import io.amqproxy.testsupport.TestBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Behaviour 4, per-channel semantics are untouched by multiplexing: confirms, returns, consumers and their cancel
 * notifications, qos, basic.get, reject/nack/recover, transactions, direct reply-to, message properties and
 * header tables, empty bodies and 16 MiB bodies behave through the proxy exactly as they do at the broker. Effects
 * are checked with a direct connection.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ChannelSemanticsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    final ProxyFixture fx = new ProxyFixture();
    private AmqProxy proxy;
    private BrokerSide broker;
    private Connection client;

    @BeforeEach
    void connect() throws Exception {
        proxy = fx.proxy();
        broker = fx.broker();
        client = fx.viaProxy("semantics client");
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (client.isOpen()) {
            client.close(5_000);
        }
    }

    private String newQueue(String what) {
        return fx.newQueue(what);
    }

    private static String text(byte[] body) {
        return new String(body, StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void publisherConfirmsCountFromOneOnEveryChannel() throws Exception {
        String queue = newQueue("confirms");
        try (Connection other = TestBroker.viaProxy(proxy.port()).newConnection()) {
            Channel mine = client.createChannel();
            Channel theirs = other.createChannel();
            ConcurrentSkipListSet<Long> myAcks = confirmedTags(mine);
            ConcurrentSkipListSet<Long> theirAcks = confirmedTags(theirs);
            mine.confirmSelect();
            theirs.confirmSelect();
            for (int i = 0; i < 100; i++) {
                assertThat(mine.getNextPublishSeqNo()).isEqualTo(i + 1);
                mine.basicPublish("", queue, null, bytes("mine-" + i));
                if (i < 40) {
                    theirs.basicPublish("", queue, null, bytes("theirs-" + i));
                }
            }
            mine.waitForConfirmsOrDie(WAIT.toMillis());
            theirs.waitForConfirmsOrDie(WAIT.toMillis());
            assertThat(myAcks).containsExactlyElementsOf(LongStream.rangeClosed(1, 100).boxed().toList());
            assertThat(theirAcks).containsExactlyElementsOf(LongStream.rangeClosed(1, 40).boxed().toList());
            assertThat(broker.readyCount(queue)).isEqualTo(140);
        }
    }

    @Test
    void confirmsStayPerChannelWhileManyClientsPublishAtOnce() throws Exception {
        String queue = newQueue("confirms-concurrent");
        int clients = 8;
        int perClient = 500;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(clients);
        List<Connection> conns = new ArrayList<>();
        try {
            List<java.util.concurrent.Future<ConcurrentSkipListSet<Long>>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                Connection conn = TestBroker.viaProxy(proxy.port()).newConnection();
                conns.add(conn);
                int client = c;
                results.add(pool.submit(() -> {
                    Channel ch = conn.createChannel();
                    ConcurrentSkipListSet<Long> acks = confirmedTags(ch);
                    ch.confirmSelect();
                    for (int i = 0; i < perClient; i++) {
                        ch.basicPublish("", queue, null, bytes("c" + client + "-" + i));
                    }
                    ch.waitForConfirmsOrDie(WAIT.toMillis());
                    return acks;
                }));
            }
            for (java.util.concurrent.Future<ConcurrentSkipListSet<Long>> r : results) {
                assertThat(r.get(20, TimeUnit.SECONDS))
                        .containsExactlyElementsOf(LongStream.rangeClosed(1, perClient).boxed().toList());
            }
            assertThat(broker.readyCount(queue)).isEqualTo(clients * perClient);
        } finally {
            pool.shutdownNow();
            for (Connection c : conns) {
                c.abort(2_000);
            }
        }
    }

    @Test
    void deliveryTagsAndAcksStayPerChannelForConsumersSharingAnUpstream() throws Exception {
        int clients = 5;
        int perQueue = 200;
        List<Connection> conns = new ArrayList<>();
        List<String> qs = new ArrayList<>();
        List<Channel> channels = new ArrayList<>();
        List<List<Long>> tags = new ArrayList<>();
        try {
            for (int c = 0; c < clients; c++) {
                String q = newQueue("tags-" + c);
                qs.add(q);
                Connection conn = TestBroker.viaProxy(proxy.port()).newConnection();
                conns.add(conn);
                Channel ch = conn.createChannel();
                channels.add(ch);
                List<Long> seen = new CopyOnWriteArrayList<>();
                tags.add(seen);
                ch.basicQos(50);
                ch.basicConsume(q, false, new DefaultConsumer(ch) {
                    @Override
                    public void handleDelivery(String consumerTag, Envelope env, AMQP.BasicProperties p, byte[] body)
                            throws IOException {
                        seen.add(env.getDeliveryTag());
                        getChannel().basicAck(env.getDeliveryTag(), false);
                    }
                });
            }
            for (String q : qs) {
                broker.publishConfirmed(q, perQueue);
            }
            for (int c = 0; c < clients; c++) {
                List<Long> seen = tags.get(c);
                Await.until(WAIT, "client " + c + " to get and ack " + perQueue, () -> seen.size() == perQueue);
                assertThat(seen).containsExactlyElementsOf(LongStream.rangeClosed(1, perQueue).boxed().toList());
            }
            for (int c = 0; c < clients; c++) {
                channels.get(c).close(); // an unknown delivery tag would have closed it with 406 already
            }
            for (String q : qs) {
                assertThat(broker.readyCount(q)).as("nothing requeued from %s: every ack counted", q).isZero();
            }
        } finally {
            for (Connection c : conns) {
                c.abort(2_000);
            }
        }
    }

    /** Collects every acked tag, expanding "multiple" acks; a nack fails the test. */
    private static ConcurrentSkipListSet<Long> confirmedTags(Channel ch) {
        ConcurrentSkipListSet<Long> acked = new ConcurrentSkipListSet<>();
        long[] highest = {0};
        ch.addConfirmListener(new ConfirmListener() {
            @Override
            public void handleAck(long tag, boolean multiple) {
                synchronized (highest) {
                    long from = multiple ? highest[0] + 1 : tag;
                    for (long t = from; t <= tag; t++) {
                        acked.add(t);
                    }
                    highest[0] = Math.max(highest[0], tag);
                }
            }

            @Override
            public void handleNack(long tag, boolean multiple) {
                acked.add(-tag);
            }
        });
        return acked;
    }

    @Test
    void mandatoryPublishWithoutRouteIsReturned() throws Exception {
        Channel ch = client.createChannel();
        BlockingQueue<Return> returns = new ArrayBlockingQueue<>(4);
        ch.addReturnListener(returns::add);
        String nowhere = BrokerSide.uniqueName("no-such-queue");
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().messageId("returned-1").build();
        ch.confirmSelect();
        ch.basicPublish("", nowhere, true, props, bytes("come back"));
        ch.waitForConfirmsOrDie(WAIT.toMillis());
        Return r = returns.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(r).as("basic.return").isNotNull();
        assertThat(r.getReplyCode()).isEqualTo(AMQP.NO_ROUTE);
        assertThat(r.getReplyText()).isEqualTo("NO_ROUTE");
        assertThat(r.getExchange()).isEmpty();
        assertThat(r.getRoutingKey()).isEqualTo(nowhere);
        assertThat(r.getProperties().getMessageId()).isEqualTo("returned-1");
        assertThat(text(r.getBody())).isEqualTo("come back");
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void consumerReceivesAndAcksDeliveries() throws Exception {
        String queue = newQueue("consume");
        Channel ch = client.createChannel();
        List<String> received = new CopyOnWriteArrayList<>();
        CompletableFuture<String> cancelOk = new CompletableFuture<>();
        String tag = ch.basicConsume(queue, false, new DefaultConsumer(ch) {
            @Override
            public void handleDelivery(String consumerTag, Envelope env, AMQP.BasicProperties p, byte[] body)
                    throws IOException {
                received.add(text(body));
                getChannel().basicAck(env.getDeliveryTag(), false);
            }

            @Override
            public void handleCancelOk(String consumerTag) {
                cancelOk.complete(consumerTag);
            }
        });
        assertThat(broker.consumerCount(queue)).isEqualTo(1);
        broker.publishConfirmed(queue, 20);
        Await.until(WAIT, "20 deliveries", () -> received.size() >= 20);
        assertThat(received).containsExactlyElementsOf(
                java.util.stream.IntStream.range(0, 20).mapToObj(i -> "m" + i).toList());
        ch.basicCancel(tag);
        assertThat(cancelOk.get(10, TimeUnit.SECONDS)).isEqualTo(tag);
        assertThat(broker.consumerCount(queue)).isZero();
        assertThat(broker.readyCount(queue)).isZero();
        // acked, not just delivered: closing the channel must not bring anything back
        ch.close();
        assertThat(broker.readyCount(queue)).isZero();
    }

    @Test
    void consumerIsToldWhenItsQueueIsDeleted() throws Exception {
        String queue = newQueue("cancel-notify");
        Channel ch = client.createChannel();
        CompletableFuture<String> cancelled = new CompletableFuture<>();
        String tag = ch.basicConsume(queue, true, new DefaultConsumer(ch) {
            @Override
            public void handleCancel(String consumerTag) {
                cancelled.complete(consumerTag);
            }
        });
        broker.deleteQueue(queue);
        assertThat(cancelled.get(10, TimeUnit.SECONDS)).isEqualTo(tag);
        assertThat(ch.isOpen()).isTrue();
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    void qosLimitsUnackedDeliveriesPerChannel() throws Exception {
        String queue = newQueue("qos");
        Channel ch = client.createChannel();
        ch.basicQos(3);
        BlockingQueue<Long> tags = new ArrayBlockingQueue<>(20);
        ch.basicConsume(queue, false, new DefaultConsumer(ch) {
            @Override
            public void handleDelivery(String consumerTag, Envelope env, AMQP.BasicProperties p, byte[] body) {
                tags.add(env.getDeliveryTag());
            }
        });
        broker.publishConfirmed(queue, 10);
        int ready = Await.value(WAIT, () -> broker.readyCount(queue), n -> n == 7);
        assertThat(ready).as("ready at the broker with 3 unacked").isEqualTo(7);
        Await.until(WAIT, "3 deliveries", () -> tags.size() == 3);
        assertThat(tags).containsExactly(1L, 2L, 3L);

        ch.basicAck(3, true);
        ready = Await.value(WAIT, () -> broker.readyCount(queue), n -> n == 4);
        assertThat(ready).as("ready after acking 3").isEqualTo(4);
        Await.until(WAIT, "3 more deliveries", () -> tags.size() == 6);
        assertThat(tags).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
    }

    @Test
    void basicGetReturnsMessagesWithTheRemainingCount() throws Exception {
        String queue = newQueue("get");
        broker.publishConfirmed(queue, 3);
        Channel ch = client.createChannel();
        GetResponse first = ch.basicGet(queue, false);
        assertThat(text(first.getBody())).isEqualTo("m0");
        assertThat(first.getMessageCount()).isEqualTo(2);
        assertThat(first.getEnvelope().getDeliveryTag()).isEqualTo(1);
        ch.basicAck(first.getEnvelope().getDeliveryTag(), false);
        GetResponse second = ch.basicGet(queue, true);
        assertThat(text(second.getBody())).isEqualTo("m1");
        assertThat(second.getMessageCount()).isEqualTo(1);
        assertThat(broker.readyCount(queue)).isEqualTo(1);
        GetResponse third = ch.basicGet(queue, true);
        assertThat(text(third.getBody())).isEqualTo("m2");
        assertThat(ch.basicGet(queue, true)).as("basic.get-empty").isNull();
        ch.close();
        assertThat(broker.readyCount(queue)).isZero();
    }

    @Test
    void rejectNackAndRecoverRequeueOrDropAsAsked() throws Exception {
        String queue = newQueue("reject");
        broker.publishConfirmed(queue, 3);
        Channel ch = client.createChannel();

        GetResponse a = ch.basicGet(queue, false);
        assertThat(broker.readyCount(queue)).isEqualTo(2);
        ch.basicReject(a.getEnvelope().getDeliveryTag(), true);
        assertThat(Await.value(WAIT, () -> broker.readyCount(queue), n -> n == 3)).as("after reject+requeue").isEqualTo(3);

        GetResponse b1 = ch.basicGet(queue, false);
        GetResponse b2 = ch.basicGet(queue, false);
        assertThat(broker.readyCount(queue)).isEqualTo(1);
        ch.basicNack(b2.getEnvelope().getDeliveryTag(), true, true);
        assertThat(Await.value(WAIT, () -> broker.readyCount(queue), n -> n == 3)).as("after nack multiple+requeue").isEqualTo(3);
        assertThat(List.of(b1, b2)).anySatisfy(g -> assertThat(g.getEnvelope().isRedeliver()).isTrue());

        GetResponse c = ch.basicGet(queue, false);
        assertThat(c.getEnvelope().isRedeliver()).isTrue();
        ch.basicReject(c.getEnvelope().getDeliveryTag(), false);
        assertThat(Await.value(WAIT, () -> broker.readyCount(queue), n -> n == 2)).as("after reject without requeue").isEqualTo(2);

        // recover: unacked deliveries to a consumer come again, flagged redelivered
        BlockingQueue<Envelope> deliveries = new ArrayBlockingQueue<>(10);
        ch.basicConsume(queue, false, new DefaultConsumer(ch) {
            @Override
            public void handleDelivery(String consumerTag, Envelope env, AMQP.BasicProperties p, byte[] body) {
                deliveries.add(env);
            }
        });
        Await.until(WAIT, "2 deliveries", () -> deliveries.size() == 2);
        deliveries.clear();
        ch.basicRecover(true);
        Await.until(WAIT, "2 redeliveries after basic.recover", () -> deliveries.size() == 2);
        assertThat(deliveries).allMatch(Envelope::isRedeliver);
        ch.close();
        assertThat(Await.value(WAIT, () -> broker.readyCount(queue), n -> n == 2)).isEqualTo(2);
    }

    @Test
    void transactionsCommitAndRollBackAtTheBroker() throws Exception {
        String queue = newQueue("tx");
        Channel ch = client.createChannel();
        ch.txSelect();
        for (int i = 0; i < 3; i++) {
            ch.basicPublish("", queue, null, bytes("rolled-back-" + i));
        }
        ch.txRollback();
        assertThat(broker.readyCount(queue)).as("after rollback").isZero();
        for (int i = 0; i < 2; i++) {
            ch.basicPublish("", queue, null, bytes("committed-" + i));
        }
        ch.txCommit();
        assertThat(broker.readyCount(queue)).as("after commit").isEqualTo(2);

        // an ack inside a rolled-back transaction is undone; committed, it counts
        GetResponse g = ch.basicGet(queue, false);
        ch.basicAck(g.getEnvelope().getDeliveryTag(), false);
        ch.txRollback();
        ch.basicAck(g.getEnvelope().getDeliveryTag(), false);
        ch.txCommit();
        ch.close();
        assertThat(broker.readyCount(queue)).as("one acked and committed, one left").isEqualTo(1);
        assertThat(text(broker.get(queue).getBody())).isEqualTo("committed-1");
    }

    @Test
    void directReplyToAnswersReachTheRightClient() throws Exception {
        String requests = newQueue("rpc");
        // the responder sits directly on the broker and echoes with the correlation id
        Channel responder = broker.connection().createChannel();
        responder.basicConsume(requests, true, new DefaultConsumer(responder) {
            @Override
            public void handleDelivery(String consumerTag, Envelope env, AMQP.BasicProperties p, byte[] body)
                    throws IOException {
                AMQP.BasicProperties reply = new AMQP.BasicProperties.Builder().correlationId(p.getCorrelationId()).build();
                getChannel().basicPublish("", p.getReplyTo(), reply, bytes("re: " + text(body)));
            }
        });
        try (Connection other = TestBroker.viaProxy(proxy.port()).newConnection()) {
            List<Channel> callers = List.of(client.createChannel(), client.createChannel(), other.createChannel());
            List<BlockingQueue<String>> answers = new ArrayList<>();
            for (Channel caller : callers) {
                BlockingQueue<String> answer = new ArrayBlockingQueue<>(4);
                answers.add(answer);
                caller.basicConsume("amq.rabbitmq.reply-to", true, new DefaultConsumer(caller) {
                    @Override
                    public void handleDelivery(String consumerTag, Envelope env, AMQP.BasicProperties p, byte[] body) {
                        answer.add(p.getCorrelationId() + ":" + text(body));
                    }
                });
            }
            for (int i = 0; i < callers.size(); i++) {
                AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                        .replyTo("amq.rabbitmq.reply-to").correlationId("call-" + i).build();
                callers.get(i).basicPublish("", requests, props, bytes("question " + i));
            }
            for (int i = 0; i < callers.size(); i++) {
                String got = answers.get(i).poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                assertThat(got).as("reply on caller channel %d", i).isEqualTo("call-" + i + ":re: question " + i);
            }
            assertThat(answers).allMatch(BlockingQueue::isEmpty);
        } finally {
            responder.close();
        }
    }

    private static AMQP.BasicProperties everyProperty() {
        Map<String, Object> deeper = new LinkedHashMap<>();
        deeper.put("n", 7);
        deeper.put("flag", false);
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("inner", "value");
        nested.put("deeper", deeper);
        nested.put("list-in-table", List.of(1, "two"));
        Map<String, Object> headers = new LinkedHashMap<>();
        headers.put("string", "text ünïcödé");
        headers.put("int", 42);
        headers.put("long", 1L << 40);
        headers.put("short", (short) 5);
        headers.put("byte", (byte) 7);
        headers.put("bool", true);
        headers.put("double", 3.5d);
        headers.put("float", 1.5f);
        headers.put("decimal", new BigDecimal("12.34"));
        headers.put("timestamp", new Date(1_700_000_000_000L));
        headers.put("bytes", new byte[] {0, 1, 2, (byte) 0xCE, (byte) 0xFF});
        headers.put("void", null);
        headers.put("nested", nested);
        headers.put("list", List.of("a", 1, Map.of("k", "v"), List.of(true, 2L)));
        headers.put("empty-table", Map.of());
        headers.put("empty-string", "");
        return new AMQP.BasicProperties.Builder()
                .contentType("application/x-test")
                .contentEncoding("identity")
                .headers(headers)
                .deliveryMode(2)
                .priority(5)
                .correlationId("corr-1")
                .replyTo("reply-queue")
                .expiration("600000")
                .messageId("msg-1")
                .timestamp(new Date(1_700_000_001_000L))
                .type("test-type")
                .userId("guest")
                .appId("amqproxy-it")
                .clusterId("cluster-x")
                .build();
    }

    /** Every property as comparable values: long strings as strings, byte arrays as lists, tables sorted. */
    private static Map<String, Object> describe(AMQP.BasicProperties p) {
        Map<String, Object> m = new TreeMap<>();
        m.put("contentType", p.getContentType());
        m.put("contentEncoding", p.getContentEncoding());
        m.put("headers", normalize(p.getHeaders()));
        m.put("deliveryMode", p.getDeliveryMode());
        m.put("priority", p.getPriority());
        m.put("correlationId", p.getCorrelationId());
        m.put("replyTo", p.getReplyTo());
        m.put("expiration", p.getExpiration());
        m.put("messageId", p.getMessageId());
        m.put("timestamp", p.getTimestamp());
        m.put("type", p.getType());
        m.put("userId", p.getUserId());
        m.put("appId", p.getAppId());
        m.put("clusterId", p.getClusterId());
        return m;
    }

    private static Object normalize(Object v) {
        if (v instanceof LongString ls) {
            return ls.toString();
        }
        if (v instanceof byte[] b) {
            return "bytes" + Arrays.toString(b);
        }
        if (v instanceof Map<?, ?> map) {
            Map<String, Object> out = new TreeMap<>();
            map.forEach((k, val) -> out.put(String.valueOf(k), normalize(val)));
            return out;
        }
        if (v instanceof List<?> list) {
            return list.stream().map(ChannelSemanticsTest::normalize).collect(Collectors.toList());
        }
        return v;
    }

    @Test
    void everyPropertyAndNestedHeaderTableSurvivesBothWays() throws Exception {
        String queue = newQueue("props");
        AMQP.BasicProperties props = everyProperty();
        byte[] body = bytes("with properties");

        // what the broker itself hands back for these properties is the reference
        broker.run(ch -> ch.basicPublish("", queue, props, body));
        GetResponse reference = Await.value(WAIT, () -> broker.get(queue), r -> r != null);
        assertThat(reference).isNotNull();
        Map<String, Object> expected = describe(reference.getProps());
        assertThat(expected.get("headers")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsKeys("nested", "list", "bytes", "decimal", "timestamp", "void");

        // proxy -> broker
        Channel ch = client.createChannel();
        ch.confirmSelect();
        ch.basicPublish("", queue, props, body);
        ch.waitForConfirmsOrDie(WAIT.toMillis());
        GetResponse atBroker = broker.get(queue);
        assertThat(describe(atBroker.getProps())).isEqualTo(expected);
        assertThat(atBroker.getBody()).isEqualTo(body);

        // broker -> proxy, by basic.get and by a consumer
        broker.run(c -> c.basicPublish("", queue, props, body));
        GetResponse viaGet = Await.value(WAIT, () -> {
            try {
                return ch.basicGet(queue, true);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, r -> r != null);
        assertThat(describe(viaGet.getProps())).isEqualTo(expected);
        assertThat(viaGet.getBody()).isEqualTo(body);

        CompletableFuture<Map<String, Object>> delivered = new CompletableFuture<>();
        ch.basicConsume(queue, true, new DefaultConsumer(ch) {
            @Override
            public void handleDelivery(String consumerTag, Envelope env, AMQP.BasicProperties p, byte[] b) {
                delivered.complete(describe(p));
            }
        });
        broker.run(c -> c.basicPublish("", queue, props, body));
        assertThat(delivered.get(10, TimeUnit.SECONDS)).isEqualTo(expected);
    }

    @Test
    void emptyBodiesAndMissingPropertiesPassThrough() throws Exception {
        String queue = newQueue("empty");
        Channel ch = client.createChannel();
        ch.confirmSelect();
        ch.basicPublish("", queue, null, new byte[0]);
        ch.basicPublish("", queue, new AMQP.BasicProperties.Builder().messageId("empty-with-props").build(), new byte[0]);
        ch.waitForConfirmsOrDie(WAIT.toMillis());
        GetResponse bare = broker.get(queue);
        assertThat(bare.getBody()).isEmpty();
        assertThat(describe(bare.getProps())).allSatisfy((k, v) -> assertThat(v).as(k).isNull());
        GetResponse withProps = broker.get(queue);
        assertThat(withProps.getBody()).isEmpty();
        assertThat(withProps.getProps().getMessageId()).isEqualTo("empty-with-props");

        broker.publish(queue, new byte[0]);
        GetResponse back = Await.value(WAIT, () -> {
            try {
                return ch.basicGet(queue, true);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, r -> r != null);
        assertThat(back.getBody()).isEmpty();
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void sixteenMebibyteMessagesRoundTripByteForByte() throws Exception {
        String queue = newQueue("big");
        byte[] big = new byte[16 * 1024 * 1024];
        new Random(42).nextBytes(big);
        Channel ch = client.createChannel();
        ch.confirmSelect();
        ch.basicPublish("", queue, null, big);
        ch.waitForConfirmsOrDie(20_000);
        GetResponse atBroker = broker.get(queue);
        assertThat(atBroker).isNotNull();
        assertThat(atBroker.getBody().length).isEqualTo(big.length);
        assertThat(Arrays.equals(atBroker.getBody(), big)).as("bytes at the broker equal the published ones").isTrue();

        byte[] other = new byte[16 * 1024 * 1024];
        new Random(7).nextBytes(other);
        broker.run(c -> {
            c.confirmSelect();
            c.basicPublish("", queue, null, other);
            c.waitForConfirmsOrDie(20_000);
        });
        GetResponse viaProxy = ch.basicGet(queue, true);
        assertThat(viaProxy).isNotNull();
        assertThat(viaProxy.getBody().length).isEqualTo(other.length);
        assertThat(Arrays.equals(viaProxy.getBody(), other)).as("bytes through the proxy equal the broker's").isTrue();
    }
}
