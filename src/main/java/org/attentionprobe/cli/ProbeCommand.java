package org.attentionprobe.cli;

import org.attentionprobe.report.ExplanationReports;
import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.TransformerModel;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.attentionprobe.explain.Attributions;
import org.attentionprobe.explain.ExplainOptions;
import org.attentionprobe.explain.Explanation;
import org.attentionprobe.graph.BatchRunner;
import org.attentionprobe.graph.ModelSummary;
import org.attentionprobe.io.AtomicFiles;
import org.attentionprobe.io.TokenFile;
import org.attentionprobe.keras.FilePreflight;
import org.attentionprobe.probe.AttentionProbe;
import org.attentionprobe.probe.Corpus;
import org.attentionprobe.probe.CorpusRun;
import org.attentionprobe.probe.HeadRef;
import org.attentionprobe.data.ProbeInput;
import org.attentionprobe.probe.ProbeResult;
import org.attentionprobe.data.ReviewFolder;
import org.attentionprobe.data.Sequences;
import org.attentionprobe.report.AttentionExport;
import org.attentionprobe.report.ExplanationJson;
import org.attentionprobe.report.ExplanationText;
import org.attentionprobe.report.HeatmapLayout;
import org.attentionprobe.report.HeatmapPng;
import org.attentionprobe.report.JsonReport;
import org.attentionprobe.report.ProbeReport;
import org.attentionprobe.report.TextReport;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/** {@code java -jar probe.jar MODEL [input] [outputs]}: run a model on one review and show what its heads attend to. */
@Command(name = "probe", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        sortOptions = false, usageHelpWidth = 100, descriptionHeading = "%n", parameterListHeading = "%n",
        optionListHeading = "%nOptions:%n", commandListHeading = "%nCommands:%n",
        description = {"Runs a Keras transformer text classifier (.h5, .keras, .weights.h5) on the JVM and shows what it predicts for a review "
                + "and what each attention head looks at.",
                "Give the model and one input. Reviews, vocabulary and class names come from the files "
                        + "python-export/export_reviews.py writes beside the model (or --data DIR)."},
        footerHeading = "%nExamples:%n",
        footer = {"  java -jar probe.jar model.h5 --review 0",
                "  java -jar probe.jar model.h5 --text \"A moving, beautifully acted film.\" --heatmap heads.png",
                "  java -jar probe.jar model.h5 --review 3 --export out/ --json > review3.json",
                "  java -jar probe.jar model.h5 --review 0 --explain --report review0.html",
                "  java -jar probe.jar model.h5 --review 0,1,2,3 --report reviews.html --steps 100",
                "  java -jar probe.jar model.h5 --all --summary out/summary.jsonl",
                "  java -jar probe.jar verify model.h5 --reference reference.npz",
                "",
                "Exit codes: 0 ok, 1 internal error (a bug), 2 bad input (one line on stderr)."})
public final class ProbeCommand implements Callable<Integer> {
    private final ModelLoader loader;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL", description = "the Keras model file: .h5, .keras, a Keras 3 "
            + ".weights.h5 (with --config) or a weights-only .h5")
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "0..1", heading = "Input, one of:%n")
    InputArgs input;

    @Option(names = "--row", paramLabel = "N", description = "with --tokens-file: report on row N only")
    Integer row;

    @Option(names = "--data", paramLabel = "DIR", description = "folder with meta.json, vocab.json, reviews.npy, labels.npy, "
            + "lengths.npy (as python-export writes them); default: the model's folder")
    Path dataDir;

    @Option(names = "--block", paramLabel = "B", description = "show only block B (report and heatmap)")
    Integer block;

    @Option(names = "--head", paramLabel = "H", description = "show only head H (report and heatmap)")
    Integer head;

    @Option(names = "--keep-padding", description = "include padding positions in the summaries, heatmap and attention.json "
            + "(left out by default)")
    boolean keepPadding;

    @Option(names = "--heatmap", paramLabel = "FILE.png", description = "draw one labelled heatmap per head (query words down, "
            + "key words across, colour bar)")
    Path heatmap;

    @Option(names = "--export", paramLabel = "DIR",
            description = "write probabilities.npy [batch, classes], tokens.npy [batch, L], attention_block{i}.npy "
                    + "[batch, heads, L, L] (rows = query, columns = key) and, for one sequence, attention.json (bertviz) into DIR")
    Path exportDir;

    @Option(names = "--json", description = "print the report as JSON on stdout (for scripts)")
    boolean json;

    @Mixin
    ExplainArgs explainArgs = new ExplainArgs();

    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Mixin
    CorpusArgs corpusArgs = new CorpusArgs();

    @Option(names = "--batch", paramLabel = "N", defaultValue = "" + BatchRunner.DEFAULT_BATCH,
            description = "sequences per model run (default: ${DEFAULT-VALUE})")
    int batchSize;

    /** Sequences one --explain or --report run takes at most. */
    static final int MAX_EXPLAINED = 50;

    public ProbeCommand() {
        this(ModelLoader.inProcess());
    }

    ProbeCommand(ModelLoader loader) {
        this.loader = loader;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        checkOptions();
        FilePreflight.requireReadableFile(model, "model file");
        try (ModelLoader.Pending pending = loader.begin(model, modelOptions.toLoadOptions())) {   // reads while the inputs load
            return run(pending, out, err);
        }
    }

    /** What one run does, decided once from the input (and, for a token file, its row count). */
    private enum Mode {
        /** {@code --reviews A..B} or {@code --all}: the corpus report, and {@code --summary} per review. */
        STORED_CORPUS,
        /** {@code --tokens-file} with {@code --summary}: the same over the file's rows. */
        FILE_CORPUS,
        /** {@code --tokens-file} of several rows, no {@code --row}, nothing explained: one line per row (and {@code --export}). */
        FILE_ROWS,
        /** One sequence's attention report, or several sequences explained. */
        SEQUENCES
    }

    private Mode mode(int fileRows) {
        if (input.storedCorpus()) {
            return Mode.STORED_CORPUS;
        }
        if (input.tokensFile != null && corpusArgs.active(input)) {
            return Mode.FILE_CORPUS;
        }
        if (input.tokensFile != null && fileRows > 1 && row == null && !explainArgs.active()) {
            return Mode.FILE_ROWS;
        }
        return Mode.SEQUENCES;
    }

    private int run(ModelLoader.Pending pending, PrintWriter out, PrintWriter err) {
        ReviewFolder data = dataDir != null ? ReviewFolder.open(dataDir) : ReviewFolder.besideModel(model).orElse(null);
        int padId = data == null ? 0 : data.meta().padId();
        if (input.tokensFile != null) {
            FilePreflight.requireReadableFile(input.tokensFile, "token file");
        }
        try (TokenFile tokens = input.tokensFile == null ? null : TokenFile.open(input.tokensFile)) {
            if (tokens != null) {
                checkRow(tokens.rows());
                checkOneSequenceOutputs(row == null ? tokens.rows() : 1, input.tokensFile.getFileName() + " holds", "pick one with --row N");
            }
            Mode mode = mode(tokens == null ? 0 : tokens.rows());
            // stored reviews and typed ids are checked before the (slower) model opens; texts and token files need the model
            List<ProbeInput> typed = input.reviews != null ? reviewInputs(data)
                    : input.tokens != null ? List.of(ProbeInput.ofTokens("tokens", Sequences.parseIds(input.tokens), padId))
                    : null;
            Corpus stored = mode == Mode.STORED_CORPUS ? corpusArgs.reviews(input, data, model) : null;
            Path exportTo = exportDir == null ? null : AtomicFiles.outputDirectory(exportDir);
            try (TransformerModel m = pending.open(err)) {
                AttentionProbe probe = AttentionProbe.of(m, data);
                List<HeadRef> heads = HeadRef.select(m.summary(), block, head);
                if (tokens != null) {
                    BatchMode.check(m, tokens, err);
                }
                String fileName = input.tokensFile == null ? null : input.tokensFile.getFileName().toString();
                int length = m.summary().sequenceLength();
                // a corpus reads its rows from the file as it goes; --row N reads that row; the other modes every row, here
                int[][] raw = tokens == null || mode == Mode.FILE_CORPUS ? null
                        : row != null ? new int[][]{tokens.row(row)} : tokens.readAll();               // [B][n]
                int[][] fitted = raw == null ? null : BatchMode.fit(raw, length);                      // [B][L]
                switch (mode) {
                    case STORED_CORPUS -> runCorpus(m, probe, stored, heads, out, err);
                    case FILE_CORPUS -> runCorpus(m, probe, Corpus.rows(fileName, tokens, length, padId), heads, out, err);
                    case FILE_ROWS -> BatchMode.run(m, probe.classNames(), model, fitted, batchSize, exportTo, json, out, err);
                    case SEQUENCES -> {
                        List<ProbeInput> inputs = typed != null ? typed
                                : fitted != null ? fileInputs(fileName, raw, fitted, padId)
                                : List.of(probe.textInput(input.text));
                        runSequences(m, probe, inputs, heads, exportTo, padId, out, err);
                    }
                }
            }
        }
        return Main.OK;
    }

    /**
     * The rows of a token file to report or explain, as read: the one {@code --row N} names, else every row
     * (explanations take several).
     */
    private List<ProbeInput> fileInputs(String fileName, int[][] raw, int[][] fitted, int padId) {
        List<ProbeInput> rows = new ArrayList<>();
        for (int i = 0; i < fitted.length; i++) {
            int r = row == null ? i : row;   // checked by checkRow
            rows.add(ProbeInput.ofFileRow(fileName, r, raw[i], fitted[i], padId));
        }
        return rows;
    }

    /** One sequence's report (with its explanation), or several sequences explained; then the HTML report if asked. */
    private void runSequences(TransformerModel m, AttentionProbe probe, List<ProbeInput> inputs, List<HeadRef> heads, Path exportTo,
                              int padId, PrintWriter out, PrintWriter err) {
        checkExplainedCount(inputs);
        List<String> classNames = probe.classNames();   // [classCount]: a sigmoid output has two
        OptionalInt explainedClass = explainArgs.active() ? explainArgs.explainedClass(classNames) : OptionalInt.empty();
        ExplainOptions explainOptions = explainArgs.active() ? explainArgs.options(padId) : null;
        // the gradient graph takes a few tenths of a second to build: beside the probe's own run, on another core
        CompletableFuture<Attributions> attributions = explainArgs.active() ? ExplainStep.prepare(m) : null;
        List<ProbeResult> results;
        try {
            results = probe.run(inputs, batchSize);
        } catch (RuntimeException e) {
            ExplainStep.discard(attributions);
            throw e;
        }
        List<Explanation> explanations = explainArgs.active()
                ? ExplainStep.explain(attributions, results, explainedClass, explainOptions)
                : List.of();
        if (results.size() == 1) {
            report(m.summary(), results.get(0), explanations, classNames, heads, exportTo, out, err);
        } else {
            ExplanationReports.printMany(model, m.summary(), results, explanations, classNames, keepPadding, json, out);
        }
        if (explainArgs.report != null) {
            ExplanationReports.writeHtml(explainArgs.report, model, m.summary(), results, explanations, classNames);
            err.println("wrote " + explainArgs.report + ": " + results.size() + (results.size() == 1 ? " sequence" : " sequences")
                    + ", one self-contained page (open it in a browser; it makes no network request)");
        }
    }

    private void checkOptions() {
        if (model == null) {
            throw new InvalidInputException("no model given: java -jar probe.jar MODEL.h5 --review 0 (see --help)");
        }
        if (input == null) {
            throw new InvalidInputException("no input given: pass one of --review N, --text \"...\", --tokens 1,14,22, --tokens-file X.npy, "
                    + "--reviews A..B or --all");
        }
        if (row != null && input.tokensFile == null) {
            throw new InvalidInputException("--row picks a row of --tokens-file; for a stored review use --review N");
        }
        if (input.text != null && input.text.isBlank()) {
            throw new InvalidInputException("--text is empty; expected a review in words, e.g. --text \"a moving, well acted film\"");
        }
        if (heatmap != null && Files.isDirectory(heatmap)) {
            throw new InvalidInputException("--heatmap " + heatmap + " is a folder; expected a file name such as heads.png");
        }
        if (batchSize <= 0) {
            throw new InvalidInputException("--batch must be a positive number, got " + batchSize);
        }
        explainArgs.check();
        corpusArgs.check(input, oneSequenceOptions());
        if (input.reviews != null && input.reviews.size() > 1) {
            String named = "--review " + input.reviews.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(","));
            if (!explainArgs.active()) {
                throw new InvalidInputException(named + " names " + input.reviews.size()
                        + " reviews; the attention report shows one (several go into --report FILE.html or --explain)");
            }
            checkOneSequenceOutputs(input.reviews.size(), named + " names", "give a single --review N");
        }
    }

    /**
     * --heatmap and --export with --explain/--report write one sequence's files; with several sequences they would be
     * silently skipped, so they are refused. (--export alone streams many rows of a token file, see BatchMode.)
     */
    private void checkOneSequenceOutputs(int sequences, String source, String remedy) {
        if (sequences <= 1) {
            return;
        }
        if (heatmap != null) {
            throw new InvalidInputException("--heatmap draws one sequence, but " + source + " " + sequences + "; " + remedy);
        }
        if (exportDir != null && explainArgs.active()) {
            throw new InvalidInputException("--export with several sequences streams them without --explain or --report, but "
                    + source + " " + sequences + "; run the two separately or " + remedy);
        }
    }

    /** --row must name a row of the token file; checked before anything is printed. */
    private void checkRow(int rows) {
        if (row != null && (row < 0 || row >= rows)) {
            throw new InvalidInputException("--row " + row + " does not exist: " + input.tokensFile.getFileName() + " has " + rows
                    + (rows == 1 ? " row (0)" : " rows (0.." + (rows - 1) + ")"));
        }
    }

    private int runCorpus(TransformerModel m, AttentionProbe probe, Corpus corpus, List<HeadRef> heads, PrintWriter out, PrintWriter err) {
        CorpusRun.Options options = new CorpusRun.Options(batchSize, corpusArgs.threads, corpusArgs.top, keepPadding, heads);
        CorpusMode.run(model, m, probe, corpus, options, corpusArgs.summary, json, out, err);
        return Main.OK;
    }

    /** The options given that show one sequence (or stream full attention), which a corpus run does not take. */
    private List<String> oneSequenceOptions() {
        List<String> given = new ArrayList<>();
        if (heatmap != null) {
            given.add("--heatmap");
        }
        if (exportDir != null) {
            given.add("--export");
        }
        if (row != null) {
            given.add("--row");
        }
        if (explainArgs.active()) {
            given.add(explainArgs.explain ? "--explain" : "--report");
        }
        return given;
    }

    /** Several sequences are explained in one run only up to a limit. */
    private void checkExplainedCount(List<ProbeInput> inputs) {
        if (inputs.size() > MAX_EXPLAINED) {
            throw new InvalidInputException("--explain and --report take at most " + MAX_EXPLAINED + " sequences, got " + inputs.size()
                    + "; pick some with --row N or fewer --review values");
        }
    }

    private List<ProbeInput> reviewInputs(ReviewFolder data) {
        if (data == null) {
            throw new InvalidInputException("--review needs the review files python-export/export_reviews.py writes (meta.json, "
                    + "vocab.json, reviews.npy, ...); there are none beside " + model + " and no --data DIR was given");
        }
        return input.reviews.stream().map(r -> data.reviews().get(r)).toList();
    }

    /** Writes the requested files, then prints the report (text or JSON) with the explanation if any; notes go to stderr. */
    private void report(ModelSummary summary, ProbeResult result, List<Explanation> explanations, List<String> classNames,
                        List<HeadRef> heads, Path exportTo, PrintWriter out, PrintWriter err) {
        List<String> notes = new ArrayList<>();
        if (heatmap != null) {
            HeatmapLayout layout = HeatmapPng.write(heatmap, result, heads, keepPadding);
            notes.add(String.format("wrote %s: %d heatmap panel(s) of %d × %d tokens, %d × %d px", heatmap, layout.panels().size(),
                    layout.tokens(), layout.tokens(), layout.width(), layout.height()));
        }
        if (exportTo != null) {
            try (AttentionExport export = new AttentionExport(exportTo, summary, new int[][]{result.sequence().ids()})) {
                export.append(result);
                notes.add("wrote " + String.join(", ", export.fileNames()) + ", " + AttentionExport.BERTVIZ + " to " + exportTo);
            }
            AttentionExport.writeBertviz(exportTo.resolve(AttentionExport.BERTVIZ), result, keepPadding);
        }
        ProbeReport report = ProbeReport.of(model, summary, result, heads, keepPadding);
        Explanation explanation = explanations.isEmpty() ? null : explanations.get(0);
        if (json) {
            ObjectNode tree = JsonReport.tree(report);
            if (explanation != null) {
                tree.set("explanation", ExplanationJson.node(explanation, classNames));
            }
            out.println(JsonReport.write(tree));
            out.flush();
        } else {
            TextReport.print(report, explanation == null ? List.of()
                    : ExplanationText.lines(explanation, result.sequence().words(), classNames), out);
        }
        notes.forEach(err::println);
    }
}
