package org.attentionprobe.cli;

import org.attentionprobe.TransformerModel;
import org.attentionprobe.io.Npy;
import org.attentionprobe.keras.FilePreflight;
import org.attentionprobe.io.Shapes;
import org.attentionprobe.verify.ParityCheck;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code probe verify MODEL --reference reference.npz}: the Keras/Java parity check as a product feature. */
@Command(name = "verify", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Runs the inputs of a Keras reference.npz (written by python-export/export_reference.py) and compares, "
                + "layer by layer, what Java computes with what Keras computed.",
                "Exit code 0 when every difference is within tolerance, 3 when one is not."})
public final class VerifyCommand implements Callable<Integer> {
    /** Exit code when a difference exceeds its tolerance. */
    public static final int PARITY_FAILED = 3;

    private final ModelLoader loader;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "the Keras model: .h5, .keras, a Keras 3 .weights.h5 (with --config) or a weights-only .h5")
    Path model;

    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Option(names = "--reference", required = true, paramLabel = "NPZ", description = "reference.npz computed by Keras")
    Path reference;

    @Option(names = "--atol", paramLabel = "X", defaultValue = "1e-5",
            description = "tolerance on attention weights and probabilities (default: ${DEFAULT-VALUE})")
    double atol;

    @Option(names = "--hidden-atol", paramLabel = "X", defaultValue = "1e-4",
            description = "tolerance on hidden states: embedding, block inputs and outputs (default: ${DEFAULT-VALUE})")
    double hiddenAtol;

    public VerifyCommand() {
        this(ModelLoader.inProcess());
    }

    VerifyCommand(ModelLoader loader) {
        this.loader = loader;
    }

    @Override
    public Integer call() {
        FilePreflight.requireReadableFile(reference, "reference file");
        var ref = Npy.readNpz(reference);
        PrintWriter out = spec.commandLine().getOut();
        try (ModelLoader.Pending pending = loader.begin(model, modelOptions.toLoadOptions());
             TransformerModel m = pending.open(spec.commandLine().getErr())) {
            List<ParityCheck.Diff> diffs = ParityCheck.run(m, ref, atol, hiddenAtol);
            out.printf("%s (%s, Keras %s) against %s (%d inputs)%n", model.getFileName(), m.summary().format(),
                    m.summary().kerasVersion(), reference.getFileName(), ref.get("x").size(0));
            out.printf("%-28s %-22s %-12s %-20s %-9s %s%n", "result", "shape", "max |diff|", "at", "atol", "");
            boolean ok = true;
            for (ParityCheck.Diff d : diffs) {
                ok &= d.ok();
                out.printf("%-28s %-22s %-12s %-20s %-9.0e %s%n", d.result(), Shapes.format(d.shape()),
                        d.note().isEmpty() ? String.format("%.2e", d.maxDiff()) : "-",
                        d.note().isEmpty() ? Arrays.stream(d.where()).mapToObj(Long::toString).collect(Collectors.joining(", ", "[", "]")) : d.note(),
                        d.tolerance(), d.ok() ? "ok" : "FAIL");
            }
            out.println(ok ? "parity: OK" : "parity: FAILED (a difference exceeds its tolerance)");
            return ok ? Main.OK : PARITY_FAILED;
        }
    }
}
