package org.attentionprobe.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The cold-start anchor: what a JVM user of ONNX Runtime runs to classify one review in a fresh process, timed
 * whole by {@code bench/compare-onnx/compare.sh}: load the session, read the review's token ids (one line of
 * comma-separated ids), run it, print the probabilities and the first attention weight.
 *
 * <pre>java -cp ... org.attentionprobe.bench.OnnxOneReview MODEL.onnx TOKENS.txt</pre>
 */
public final class OnnxOneReview {
    private OnnxOneReview() {
    }

    public static void main(String[] args) throws Exception {
        String[] ids = Files.readString(Path.of(args[1])).strip().split(",");
        long[][] tokens = new long[1][ids.length];
        for (int i = 0; i < ids.length; i++) {
            tokens[0][i] = Long.parseLong(ids[i].strip());
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = env.createSession(args[0], options);
                 OnnxTensor input = OnnxTensor.createTensor(env, tokens);
                 OrtSession.Result result = session.run(Map.of("tokens", input))) {
                float[][] p = (float[][]) result.get(0).getValue();
                float[][][][] a = (float[][][][]) result.get(1).getValue();
                System.out.printf("probabilities %s, attention[0,0,0,0] %.6f%n", java.util.Arrays.toString(p[0]), a[0][0][0][0]);
            }
        }
    }
}
