package qmig.tools.report;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import qmig.stream.json.Json;
import qmig.stream.json.JsonValue;

/**
 * A real headless Chromium driven over the Chrome DevTools Protocol: started with a fresh
 * profile and {@code --remote-debugging-port=0}, the port read from the profile's
 * {@code DevToolsActivePort}, the page target reached over {@link java.net.http.WebSocket}.
 * Commands carry increasing ids and wait (bounded) for their own reply; events are queued in
 * arrival order and also kept for later assertions. {@link #close()} kills the browser and
 * deletes the profile.
 */
final class Chromium implements AutoCloseable {

    static final Path BINARY = Path.of(System.getenv().getOrDefault("QMIG_CHROMIUM", "/usr/bin/chromium"));
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final Path profile;
    private final Path log;
    private final WebSocket ws;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonValue>> pending = new ConcurrentHashMap<>();
    private final LinkedBlockingQueue<JsonValue> queue = new LinkedBlockingQueue<>();
    private final List<JsonValue> events = java.util.Collections.synchronizedList(new ArrayList<>());

    private Chromium(Process process, Path profile, Path log, WebSocket ws) {
        this.process = process;
        this.profile = profile;
        this.log = log;
        this.ws = ws;
    }

    static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    /** Starts the browser on {@code about:blank} and attaches to its page. */
    static Chromium launch() throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("qmig-chromium");
        Path log = Files.createTempFile("qmig-chromium", ".log");
        List<String> cmd = List.of(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--hide-scrollbars", "--window-size=1400,1000", "--user-data-dir=" + profile,
                "--remote-debugging-port=0", "about:blank");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Path portFile = profile.resolve("DevToolsActivePort");
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            List<String> lines = List.of();
            while (lines.size() < 2 || lines.get(0).isBlank()) {
                if (!p.isAlive()) {
                    throw new IOException("chromium exited with " + p.exitValue() + ": " + Files.readString(log));
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("no DevToolsActivePort after " + TIMEOUT + ": " + Files.readString(log));
                }
                Thread.sleep(50);
                lines = Files.exists(portFile) ? Files.readAllLines(portFile) : List.of();
            }
            int port = Integer.parseInt(lines.get(0).trim());
            String pageWs = pageTarget(port);
            Chromium[] self = new Chromium[1];
            WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(TIMEOUT)
                    .buildAsync(URI.create(pageWs), new Listener(self)).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            self[0] = new Chromium(p, profile, log, ws);
            return self[0];
        } catch (IOException | InterruptedException | RuntimeException e) {
            kill(p);
            deleteTree(profile);
            Files.deleteIfExists(log);
            throw e;
        } catch (ExecutionException | TimeoutException e) {
            kill(p);
            deleteTree(profile);
            Files.deleteIfExists(log);
            throw new IOException("cannot connect to chromium's page: " + e, e);
        }
    }

    /** The web socket URL of the {@code about:blank} page, from {@code /json/list}. */
    private static String pageTarget(int port) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                .timeout(TIMEOUT).build();
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            HttpResponse<byte[]> resp = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
            JsonValue list = Json.parse(resp.body());
            if (list instanceof JsonValue.JArray a) {
                for (JsonValue t : a.items()) {
                    if ("page".equals(str(t, "type")) && str(t, "webSocketDebuggerUrl") != null) {
                        return str(t, "webSocketDebuggerUrl");
                    }
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("chromium lists no page target: " + new String(resp.body(), StandardCharsets.UTF_8));
            }
            Thread.sleep(50);
        }
    }

    /** Sends a command and waits for its result object; a CDP error is an {@link IOException}. */
    JsonValue send(String method, String paramsJson) throws IOException, InterruptedException {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonValue> f = new CompletableFuture<>();
        pending.put(id, f);
        String msg = "{\"id\":" + id + ",\"method\":" + quote(method) + ",\"params\":"
                + (paramsJson == null ? "{}" : paramsJson) + "}";
        try {
            ws.sendText(msg, true).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            JsonValue reply = f.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            JsonValue err = get(reply, "error");
            if (err != null) {
                throw new IOException(method + " failed: " + Json.toQemuString(err));
            }
            return get(reply, "result");
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException(method + ": no reply within " + TIMEOUT + " (" + e + ")", e);
        } finally {
            pending.remove(id);
        }
    }

    /** Evaluates an expression in the page and returns its value (by value: strings, numbers, booleans, JSON). */
    JsonValue eval(String expression) throws IOException, InterruptedException {
        JsonValue r = send("Runtime.evaluate", "{\"expression\":" + quote(expression)
                + ",\"returnByValue\":true,\"awaitPromise\":true}");
        JsonValue ex = get(r, "exceptionDetails");
        if (ex != null) {
            throw new IOException("evaluating " + expression + " threw " + Json.toQemuString(ex));
        }
        return get(get(r, "result"), "value");
    }

    long evalLong(String expression) throws IOException, InterruptedException {
        JsonValue v = eval(expression);
        if (v instanceof JsonValue.JNumber n) {
            return (long) Double.parseDouble(n.text());
        }
        throw new IOException(expression + " is not a number: " + v);
    }

    String evalString(String expression) throws IOException, InterruptedException {
        JsonValue v = eval(expression);
        return v instanceof JsonValue.JString s ? s.value() : v == null ? null : Json.toQemuString(v);
    }

    /** Takes queued events until one named {@code method} arrives (bounded by {@link #TIMEOUT}). */
    JsonValue awaitEvent(String method) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            JsonValue e = left <= 0 ? null : queue.poll(left, TimeUnit.NANOSECONDS);
            if (e == null) {
                throw new IOException("no " + method + " event within " + TIMEOUT);
            }
            if (method.equals(str(e, "method"))) {
                return e;
            }
        }
    }

    /** Every event received so far named {@code method}, in order. */
    List<JsonValue> events(String method) {
        synchronized (events) {
            List<JsonValue> out = new ArrayList<>();
            for (JsonValue e : events) {
                if (method.equals(str(e, "method"))) {
                    out.add(e);
                }
            }
            return out;
        }
    }

    /** A left click as a user makes it: press and release at the centre of the element {@code selector} selects. */
    void click(String selector) throws IOException, InterruptedException {
        String xy = centre(selector);
        send("Input.dispatchMouseEvent", "{\"type\":\"mouseMoved\"," + xy + "}");
        send("Input.dispatchMouseEvent", "{\"type\":\"mousePressed\"," + xy + ",\"button\":\"left\",\"clickCount\":1}");
        send("Input.dispatchMouseEvent", "{\"type\":\"mouseReleased\"," + xy + ",\"button\":\"left\",\"clickCount\":1}");
    }

    /** The element scrolled into view; its centre in viewport coordinates as {@code "x":..,"y":..}. */
    private String centre(String selector) throws IOException, InterruptedException {
        eval("document.querySelector(" + quote(selector) + ").scrollIntoView({block:'center'})");
        JsonValue box = eval("(() => { const r = document.querySelector(" + quote(selector) + ").getBoundingClientRect();"
                + " return {x: r.left + r.width / 2, y: r.top + r.height / 2}; })()");
        return "\"x\":" + num(get(box, "x")) + ",\"y\":" + num(get(box, "y"));
    }

    /** A PNG of the whole page (beyond the viewport), scrolled to the top first so sticky parts sit there. */
    byte[] screenshot() throws IOException, InterruptedException {
        eval("window.scrollTo(0, 0)");
        JsonValue m = send("Page.getLayoutMetrics", null);
        JsonValue size = get(m, "cssContentSize") != null ? get(m, "cssContentSize") : get(m, "contentSize");
        return capture(0, 0, Double.parseDouble(num(get(size, "width"))),
                Math.min(16000, Double.parseDouble(num(get(size, "height")))));
    }

    /** A PNG of the element {@code selector} selects. */
    byte[] screenshot(String selector) throws IOException, InterruptedException {
        JsonValue box = eval("(() => { const r = document.querySelector(" + quote(selector) + ").getBoundingClientRect();"
                + " return {x: r.left + window.scrollX, y: r.top + window.scrollY, w: r.width, h: r.height}; })()");
        return capture(Double.parseDouble(num(get(box, "x"))), Double.parseDouble(num(get(box, "y"))),
                Double.parseDouble(num(get(box, "w"))), Math.min(16000, Double.parseDouble(num(get(box, "h")))));
    }

    private byte[] capture(double x, double y, double w, double h) throws IOException, InterruptedException {
        String clip = String.format(java.util.Locale.ROOT, "{\"x\":%.1f,\"y\":%.1f,\"width\":%.1f,\"height\":%.1f,"
                + "\"scale\":1}", x, y, w, h);
        JsonValue r = send("Page.captureScreenshot", "{\"format\":\"png\",\"captureBeyondViewport\":true,\"clip\":"
                + clip + "}");
        return java.util.Base64.getDecoder().decode(str(r, "data"));
    }

    /** Moves the mouse to the centre of the element {@code selector} selects. */
    void hover(String selector) throws IOException, InterruptedException {
        send("Input.dispatchMouseEvent", "{\"type\":\"mouseMoved\"," + centre(selector) + "}");
    }

    /** What the browser printed (for failure messages). */
    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws IOException {
        try {
            ws.abort();
        } finally {
            kill(process);
            deleteTree(profile);
            Files.deleteIfExists(log);
        }
    }

    /** Ends the browser and every process it started (zygote, renderers, GPU and network services). */
    private static void kill(Process p) {
        List<ProcessHandle> tree = new ArrayList<>(p.descendants().toList());
        p.destroy();
        tree.forEach(ProcessHandle::destroy);
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
            for (ProcessHandle h : tree) {
                try {
                    h.onExit().get(5, TimeUnit.SECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    h.destroyForcibly();
                }
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            tree.forEach(ProcessHandle::destroyForcibly);
            Thread.currentThread().interrupt();
        }
    }

    /** Deletes the profile; a helper process that outlived the kill may still add a file, so it retries (bounded). */
    private static void deleteTree(Path dir) throws IOException {
        for (int attempt = 0; ; attempt++) {
            if (!Files.exists(dir)) {
                return;
            }
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                    Files.deleteIfExists(p);
                }
                return;
            } catch (java.nio.file.DirectoryNotEmptyException | java.nio.file.NoSuchFileException e) {
                if (attempt >= 20) {
                    throw e;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    // ---- the socket: whole text messages, replies matched by id, events queued -----------------

    private static final class Listener implements WebSocket.Listener {
        private final Chromium[] self;
        private final StringBuilder partial = new StringBuilder();

        Listener(Chromium[] self) {
            this.self = self;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                deliver(text);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
            fail(new IOException("chromium closed the DevTools socket: " + status + " " + reason));
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            fail(error);
        }

        /** A broken socket fails every command still waiting, at once instead of at its timeout. */
        private void fail(Throwable t) {
            Chromium c = self[0];
            if (c != null) {
                c.pending.values().forEach(f -> f.completeExceptionally(t));
            }
        }

        private void deliver(String text) {
            Chromium c = self[0];
            JsonValue msg;
            try {
                msg = Json.parse(text.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                return;
            }
            if (c == null) {
                return; // nothing was sent before the handle existed, so this is an early event
            }
            JsonValue id = get(msg, "id");
            if (id instanceof JsonValue.JNumber n) {
                CompletableFuture<JsonValue> f = c.pending.get((int) n.value());
                if (f != null) {
                    f.complete(msg);
                }
            } else {
                c.events.add(msg);
                c.queue.add(msg);
            }
        }
    }

    // ---- JSON helpers ----------------------------------------------------------------------------

    static JsonValue get(JsonValue v, String key) {
        if (v instanceof JsonValue.JObject o) {
            for (JsonValue.Member m : o.members()) {
                if (m.key().equals(key)) {
                    return m.value();
                }
            }
        }
        return null;
    }

    static String str(JsonValue v, String key) {
        return get(v, key) instanceof JsonValue.JString s ? s.value() : null;
    }

    private static String num(JsonValue v) throws IOException {
        if (v instanceof JsonValue.JNumber n) {
            return n.text();
        }
        throw new IOException("not a number: " + v);
    }

    static String quote(String s) {
        return Json.toQemuString(new JsonValue.JString(s));
    }
}
