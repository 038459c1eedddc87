package org.attentionprobe.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Debian's headless Chromium driven over the DevTools protocol (a WebSocket, no extra dependencies): loads a page,
 * records every network request, console message, log entry and uncaught exception, reads the page's state and
 * takes a screenshot. Test code only. The timeouts here only bound a hung browser; nothing asserts on time.
 */
public final class HeadlessChromium implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long TIMEOUT_SECONDS = 90;

    private final Process process;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<JsonNode> events = new ArrayList<>();

    /** What a page did while it loaded. */
    public record Page(List<String> requests, List<String> consoleMessages, List<String> logEntries,
                       List<String> exceptions, Map<String, String> bodyAttributes, String text, List<String> results) {
    }

    /** Chromium's executable: {@code $CHROMIUM}, else {@code /usr/bin/chromium} (Debian's package), when present. */
    public static Optional<Path> executable() {
        String env = System.getenv("CHROMIUM");
        Path p = env != null && !env.isBlank() ? Path.of(env) : Path.of("/usr/bin/chromium");
        return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }

    public static HeadlessChromium start(Path executable, Path profile) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(executable.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--disable-default-apps", "--no-default-browser-check",
                "--hide-scrollbars", "--user-data-dir=" + profile, "--remote-debugging-port=0", "about:blank")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        String endpoint = null;
        BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        for (String line; endpoint == null && (line = err.readLine()) != null; ) {
            seen.append(line).append('\n');
            int at = line.indexOf("ws://");
            if (line.startsWith("DevTools listening on") && at >= 0) {
                endpoint = line.substring(at).strip();
            }
        }
        if (endpoint == null) {
            process.destroyForcibly();
            throw new IOException("chromium did not open its DevTools endpoint; it printed:\n" + seen);
        }
        Thread drain = new Thread(() -> {
            try {
                while (err.readLine() != null) {
                    // keep the pipe empty so Chromium never blocks on it
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "chromium-stderr");
        drain.setDaemon(true);
        drain.start();
        return new HeadlessChromium(process, URI.create(endpoint));
    }

    private HeadlessChromium(Process process, URI endpoint) {
        this.process = process;
        this.socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(endpoint, new Listener()).orTimeout(TIMEOUT_SECONDS, TimeUnit.SECONDS).join();
    }

    /**
     * Loads a local file in a fresh tab of {@code width × height}, waits for the page's data-status, takes a
     * full-page screenshot, then evaluates each of {@code scripts} (interactions) and returns their values.
     */
    public Page load(Path file, Path screenshot, int width, int height, List<String> scripts) throws IOException {
        String target = call(null, "Target.createTarget", Map.of("url", "about:blank")).get("targetId").asText();
        String session = call(null, "Target.attachToTarget", Map.of("targetId", target, "flatten", true)).get("sessionId").asText();
        for (String domain : List.of("Network", "Runtime", "Log", "Page")) {
            call(session, domain + ".enable", Map.of());
        }
        call(session, "Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", false));
        synchronized (events) {
            events.clear();
        }
        String url = file.toAbsolutePath().toUri().toString();
        call(session, "Page.navigate", Map.of("url", url));
        String status = "loading";
        for (int i = 0; i < 600 && ("loading".equals(status) || status.isEmpty()); i++) {
            status = evaluate(session, "document.readyState === 'complete' && document.body ? (document.body.getAttribute('data-status') || '') : ''");
            if ("loading".equals(status) || status.isEmpty()) {
                sleep();
            }
        }
        Map<String, String> attributes = JSON.convertValue(JSON.readTree(evaluate(session,
                "JSON.stringify(Object.fromEntries(Array.from(document.body.attributes).map(a => [a.name, a.value])))")), Map.class);
        String text = evaluate(session, "document.body.innerText");
        JsonNode shot = call(session, "Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true));
        Files.createDirectories(screenshot.toAbsolutePath().getParent());
        Files.write(screenshot, Base64.getDecoder().decode(shot.get("data").asText()));
        List<String> results = new ArrayList<>();
        for (String script : scripts) {
            results.add(evaluate(session, script));
        }
        List<String> requests = new ArrayList<>();
        List<String> console = new ArrayList<>();
        List<String> log = new ArrayList<>();
        List<String> exceptions = new ArrayList<>();
        synchronized (events) {
            for (JsonNode e : events) {
                JsonNode p = e.get("params");
                switch (e.get("method").asText()) {
                    case "Network.requestWillBeSent" -> requests.add(p.get("request").get("url").asText());
                    case "Runtime.consoleAPICalled" -> console.add(p.get("type").asText() + ": " + p.get("args"));
                    case "Log.entryAdded" -> log.add(p.get("entry").get("level").asText() + ": " + p.get("entry").get("text").asText());
                    case "Runtime.exceptionThrown" -> exceptions.add(p.get("exceptionDetails").toString());
                    default -> { }
                }
            }
        }
        call(null, "Target.closeTarget", Map.of("targetId", target));
        return new Page(requests, console, log, exceptions, attributes, text, results);
    }

    private String evaluate(String session, String expression) {
        JsonNode r = call(session, "Runtime.evaluate", Map.of("expression", expression, "returnByValue", true));
        JsonNode value = r.path("result").path("value");
        return value.isMissingNode() || value.isNull() ? "" : value.asText();
    }

    private JsonNode call(String session, String method, Map<String, Object> params) {
        int id = ids.incrementAndGet();
        ObjectNode message = JSON.createObjectNode();
        message.put("id", id);
        message.put("method", method);
        message.set("params", JSON.valueToTree(params));
        if (session != null) {
            message.put("sessionId", session);
        }
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        socket.sendText(message.toString(), true).join();
        JsonNode r = reply.orTimeout(TIMEOUT_SECONDS, TimeUnit.SECONDS).join();
        if (r.has("error")) {
            throw new IllegalStateException(method + ": " + r.get("error"));
        }
        return r.get("result");
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the page", e);
        }
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    JsonNode message = JSON.readTree(partial.toString());
                    if (message.has("id")) {
                        CompletableFuture<JsonNode> reply = pending.remove(message.get("id").asInt());
                        if (reply != null) {
                            reply.complete(message);
                        }
                    } else if (message.has("method")) {
                        synchronized (events) {
                            events.add(message);
                        }
                    }
                } catch (IOException e) {
                    pending.values().forEach(f -> f.completeExceptionally(e));
                }
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }
    }

    /** Asks the browser to quit (it takes its helper processes with it), then ends the process if it has not. */
    @Override
    public void close() throws InterruptedException {
        try {
            socket.sendText("{\"id\":" + ids.incrementAndGet() + ",\"method\":\"Browser.close\"}", true)
                    .orTimeout(5, TimeUnit.SECONDS).join();
        } catch (RuntimeException ignored) {
            // the browser may already be gone
        }
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}
