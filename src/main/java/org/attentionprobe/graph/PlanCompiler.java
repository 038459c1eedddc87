package org.attentionprobe.graph;

import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.Op;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns the SameDiff graph into an {@link ExecutionPlan} for one batch size, in four passes over the ops:
 * <ol>
 *   <li><b>select</b>: the ops the requested results depend on, in graph order;</li>
 *   <li><b>shape</b>: one {@code sd.output} call for every intermediate gives each output's shape and type;</li>
 *   <li><b>lifetimes</b>: the index of the last op reading each variable (results live forever);</li>
 *   <li><b>lay out</b>: each op gets its input arrays and output arrays. A reshape, an unstack, or a permute
 *       feeding matrix products becomes views of its input and runs no op at all; a softmax whose input dies with it
 *       writes in place; every other output takes a buffer from a pool that gets back the buffers of variables nobody
 *       reads any more, so intermediates of the same size share memory (a static workspace).</li>
 * </ol>
 * Some ops become steps of the plan's own instead of libnd4j's: an embedding lookup as row copies
 * ({@link ExecutionPlan.GatherRows}); matrix products, sums and means over one axis as direct OpenBLAS calls
 * ({@link BlasProduct}, where measured faster); a product read only by a permute writes the permute's result itself;
 * a product's backward op ({@code matmul_bp}) as one product per gradient that is read.
 */
final class PlanCompiler {
    private static final int FOREVER = Integer.MAX_VALUE;
    /**
     * Below this many output elements an op runs without platform helpers (oneDNN): setting up a oneDNN
     * primitive costs about as much as such an op's arithmetic, and the plain kernels win (the classifier's
     * {@code [B, 20]} product: 18 µs with oneDNN, a few without).
     */
    private static final long SMALL_OP = 4096;

    private final SameDiff sd;
    private final String tokenName;
    private final int batch;
    private final int length;
    private final Map<String, String> outputs;
    private final Map<String, INDArray> placeholders;
    private final Map<String, Shape> knownShapes;    // every intermediate's shape for this batch size, or null: infer
    private final Set<String> zeroInputs;             // inputs all zeros on every run of this plan (gradient taps)

    /** A variable's shape and type for one batch size. */
    record Shape(long[] shape, DataType type) {
        long length() {
            return Arrays.stream(shape).reduce(1, Math::multiplyExact);
        }
    }

    private final Map<String, INDArray> arrays = new HashMap<>();
    private final Map<String, String> root = new HashMap<>();        // variable -> variable owning its buffer
    private final Map<String, Integer> rootLastUse = new HashMap<>(); // owning variable -> last op reading any alias
    private final Map<String, DataBuffer> owned = new HashMap<>();    // owning variable -> its pooled buffer
    private final Map<String, Deque<DataBuffer>> pool = new HashMap<>();
    private final List<DataBuffer> buffers = new ArrayList<>();       // every buffer the plan owns
    private long bytes;

    /**
     * @param placeholders a value for every placeholder but the tokens, and for any variable the plan should read
     *                     from an array of its own (gradient taps), {@code [batch, ...]}
     * @param knownShapes  the shape of every intermediate at this batch size ({@link #inferShapes}), or null to
     *                     infer them here (then {@code placeholders} may hold placeholders only)
     * @param zeroInputs   names among {@code placeholders} that hold zeros on every run: adding one is a no-op
     */
    PlanCompiler(SameDiff sd, String tokenName, int batch, int length, Map<String, String> outputs,
                 Map<String, INDArray> placeholders, Map<String, Shape> knownShapes, Set<String> zeroInputs) {
        this.sd = sd;
        this.tokenName = tokenName;
        this.batch = batch;
        this.length = length;
        this.outputs = outputs;
        this.placeholders = placeholders;
        this.knownShapes = knownShapes;
        this.zeroInputs = zeroInputs;
    }

    /**
     * The shape and type of every op output in the graph for batches of {@code batch} rows, from one {@code sd.output}
     * call: what {@link #compile} needs, computed once and shared by the plans of every thread (and of every set of
     * results) at this batch size.
     *
     * @param placeholders a value for every placeholder but the tokens (variables are read from the graph)
     */
    static Map<String, Shape> inferShapes(SameDiff sd, String tokenName, int batch, int length, Map<String, INDArray> placeholders) {
        Map<String, INDArray> feed = new HashMap<>(placeholders);
        INDArray tokens = Nd4j.zeros(DataType.INT32, batch, length);
        feed.put(tokenName, tokens);
        Map<String, Shape> shapes = shapes(sd, new ArrayList<>(sd.getOps().values()), feed);
        release(tokens);
        return shapes;
    }

    ExecutionPlan compile() {
        List<SameDiffOp> ops = select();
        INDArray tokens = Nd4j.zeros(DataType.INT32, batch, length);
        Map<String, INDArray> feed = new HashMap<>(placeholders);
        feed.put(tokenName, tokens);
        Map<String, Shape> shapes = knownShapes != null ? knownShapes : shapes(sd, ops, feed);
        Map<String, Integer> lastUse = lastUse(ops);
        Map<String, Set<String>> readers = readers(ops);
        arrays.putAll(feed);

        List<ExecutionPlan.Step> steps = new ArrayList<>();
        Set<String> done = new HashSet<>();   // ops whose outputs an earlier step already writes
        for (int i = 0; i < ops.size(); i++) {
            SameDiffOp op = ops.get(i);
            DifferentialFunction fn = op.getOp();
            INDArray[] in = inputs(op);
            List<String> outs = op.getOutputsOfOp();
            if (done.contains(op.getName())) {
                release(op, i);
                continue;
            }
            ExecutionPlan.Step product = productIntoPermute(fn, in, outs, ops, i, shapes, lastUse, done);
            if (product == null) {
                product = reductionAsProduct(fn, in, outs, shapes, lastUse, i);
            }
            if (product != null) {
                steps.add(product);
                release(op, i);
                continue;
            }
            int same = passThrough(fn, op, in, outs, shapes);
            if (same >= 0) {
                for (String out : outs) {
                    alias(out, inputNames(op).get(same), in[same], lastUse);
                }
                release(op, i);
                continue;
            }
            INDArray[] views = views(fn, in, outs, shapes, readers);
            if (views != null) {
                for (int o = 0; o < views.length; o++) {
                    alias(outs.get(o), op.getInputsToOp().get(0), views[o], lastUse);
                }
                release(op, i);
                continue;
            }
            List<ExecutionPlan.Step> gradients = readGradients(fn, op, in, outs, shapes, lastUse);
            if (gradients != null) {
                steps.addAll(gradients);
                release(op, i);
                continue;
            }
            INDArray[] out = new INDArray[outs.size()];
            for (int o = 0; o < out.length; o++) {
                String name = outs.get(o);
                Shape shape = shapes.get(name);
                if (shape == null) {
                    throw new IllegalStateException("no shape for " + name + " at batch " + batch);
                }
                if (o == 0 && canRunInPlace(fn, op, in, shape, i)) {
                    out[o] = in[0];
                    alias(name, op.getInputsToOp().get(0), in[0], lastUse);
                } else {
                    out[o] = allocate(name, shape.type(), shape.shape(), lastUse.getOrDefault(name, i));
                }
            }
            ExecutionPlan.Step fast = gatherRows(fn, in, out);
            if (fast == null) {
                fast = blasProduct(fn, in, out);
            }
            steps.add(fast != null ? fast : new ExecutionPlan.OpStep(fn, context(fn, in, out)));
            release(op, i);
        }
        Map<String, INDArray> results = new LinkedHashMap<>();
        outputs.forEach((result, var) -> results.put(result, arrays.computeIfAbsent(var, this::constant)));
        NativeBackend.trimMemory();
        return ExecutionPlan.of(tokens, steps, results, List.copyOf(buffers), bytes);
    }

    /** The ops the results depend on, in the graph's order (topological: mappers add ops forward). */
    private List<SameDiffOp> select() {
        Set<String> needed = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(outputs.values());
        while (!todo.isEmpty()) {
            String opName = sd.getVariables().get(todo.pop()).getOutputOfOp();
            if (opName != null && needed.add(opName)) {
                todo.addAll(inputNames(sd.getOps().get(opName)));
            }
        }
        List<SameDiffOp> ordered = new ArrayList<>();
        Set<String> computed = new HashSet<>();
        for (SameDiffOp op : sd.getOps().values()) {
            if (!needed.contains(op.getName())) {
                continue;
            }
            for (String in : inputNames(op)) {
                if (sd.getVariable(in).getVariableType() == VariableType.ARRAY && !computed.contains(in)) {
                    throw new IllegalStateException("op " + op.getName() + " reads " + in + " before it is computed");
                }
            }
            computed.addAll(op.getOutputsOfOp());
            ordered.add(op);
        }
        return ordered;
    }

    /** Every intermediate's shape and type for this batch size, computed once by SameDiff itself. */
    private static Map<String, Shape> shapes(SameDiff sd, List<SameDiffOp> ops, Map<String, INDArray> feed) {
        List<String> produced = new ArrayList<>();
        for (SameDiffOp op : ops) {
            produced.addAll(op.getOutputsOfOp());
        }
        if (produced.isEmpty()) {
            return Map.of();
        }
        Map<String, INDArray> values = sd.output(feed, produced);
        // SameDiff keeps this thread's session, with a cache of arrays the size of every intermediate: the plan
        // has its own arrays, so let the session go (the next sd.output on this thread starts a new one).
        InferenceSession session = sd.getSessions().remove(Thread.currentThread().getId());
        if (session != null) {
            session.getMmgr().close();
        }
        Map<String, Shape> shapes = new HashMap<>();
        for (Map.Entry<String, INDArray> v : values.entrySet()) {
            shapes.put(v.getKey(), new Shape(v.getValue().shape(), v.getValue().dataType()));
            release(v.getValue());   // SameDiff's values for this batch size: only their shapes were needed
        }
        return shapes;
    }

    /** The index of the last op reading each variable; requested results are read "forever". */
    private Map<String, Integer> lastUse(List<SameDiffOp> ops) {
        Map<String, Integer> last = new HashMap<>();
        for (int i = 0; i < ops.size(); i++) {
            for (String in : inputNames(ops.get(i))) {
                last.put(in, i);
            }
        }
        for (String var : outputs.values()) {
            last.put(var, FOREVER);
        }
        return last;
    }

    private INDArray[] inputs(SameDiffOp op) {
        List<String> names = inputNames(op);
        INDArray[] in = new INDArray[names.size()];
        for (int i = 0; i < in.length; i++) {
            in[i] = arrays.computeIfAbsent(names.get(i), this::constant);
        }
        return in;
    }

    /**
     * The outputs as views of the input when the op only re-describes its buffer, else null:
     * <ul>
     *   <li>a reshape of a c-contiguous array: same elements, another shape;</li>
     *   <li>an unstack: each output a strided slice of the input;</li>
     *   <li>a permute read only by matrix products and their gradients ({@code matmul}, {@code matmul_bp}): they take
     *       strided operands as they are (BLAS leading dimensions), which costs them less than a copy would.</li>
     * </ul>
     */
    private static INDArray[] views(DifferentialFunction fn, INDArray[] in, List<String> outs, Map<String, Shape> shapes,
                                    Map<String, Set<String>> readers) {
        if (in.length < 1) {
            return null;
        }
        INDArray x = in[0];
        if ("reshape".equals(fn.opName()) && outs.size() == 1 && isCContiguous(x)) {
            Shape like = shapes.get(outs.get(0));
            if (like == null || like.type() != x.dataType() || like.length() != x.length()) {
                return null;
            }
            return new INDArray[]{Nd4j.create(x.data(), like.shape(), Nd4j.getStrides(like.shape(), 'c'), x.offset(), 'c', x.dataType())};
        }
        if ("unstack".equals(fn.opName()) && fn instanceof DynamicCustomOp c && c.iArgs().length > 0) {
            int axis = (int) c.iArgs()[0];
            if (axis < 0 || axis >= x.rank() || x.size(axis) != outs.size()) {
                return null;
            }
            long[] shape = remove(x.shape(), axis);
            long[] strides = remove(x.stride(), axis);
            INDArray[] out = new INDArray[outs.size()];
            for (int o = 0; o < out.length; o++) {
                out[o] = Nd4j.create(x.data(), shape, strides, x.offset() + o * x.stride(axis), 'c', x.dataType());
            }
            return out;
        }
        if ("permute".equals(fn.opName()) && outs.size() == 1 && fn instanceof DynamicCustomOp c
                && c.iArgs().length == x.rank() && Set.of("matmul", "matmul_bp").containsAll(readers.getOrDefault(outs.get(0), Set.of("?")))) {
            int[] axes = new int[x.rank()];
            for (int i = 0; i < axes.length; i++) {
                axes[i] = (int) c.iArgs()[i];
            }
            INDArray view = x.permute(axes);
            Shape like = shapes.get(outs.get(0));
            return like != null && Arrays.equals(view.shape(), like.shape()) ? new INDArray[]{view} : null;
        }
        return null;
    }

    /**
     * The input whose values every output of the op equals, or -1: then the outputs are that input's array and the op
     * does not run.
     * <ul>
     *   <li>{@code add} of an input that is zero on every run (a gradient tap that adds nothing) and another of the
     *       output's shape: that other input;</li>
     *   <li>{@code add_bp} without broadcasting, {@code (x, y, ∂L/∂z) → (∂L/∂x, ∂L/∂y)}: both are {@code ∂L/∂z} as it
     *       is (libnd4j copies it twice: 8 MB per attention block at 26 path points).</li>
     * </ul>
     */
    private int passThrough(DifferentialFunction fn, SameDiffOp op, INDArray[] in, List<String> outs, Map<String, Shape> shapes) {
        List<String> names = inputNames(op);
        if ("add".equals(fn.opName()) && in.length == 2 && outs.size() == 1) {
            for (int zero = 0; zero < 2; zero++) {
                int other = 1 - zero;
                if (zeroInputs.contains(names.get(zero)) && sameLayout(in[other], shapes.get(outs.get(0)))) {
                    return other;
                }
            }
        }
        if ("add_bp".equals(fn.opName()) && in.length == 3 && outs.size() == 2
                && Arrays.equals(in[0].shape(), in[2].shape()) && Arrays.equals(in[1].shape(), in[2].shape())
                && sameLayout(in[2], shapes.get(outs.get(0))) && sameLayout(in[2], shapes.get(outs.get(1)))) {
            return 2;
        }
        return -1;
    }

    /**
     * A backward op laid out as the steps computing just the outputs that are read; null to run the op as it is.
     * <ul>
     *   <li>{@code matmul_bp} of {@code z = op(x) · op(y)} (transposes allowed, no broadcast batch dimensions, no
     *       scaling), {@code (x, y, ∂L/∂z) → (∂L/∂x, ∂L/∂y)}, each gradient one product ({@link #gradientProduct}).
     *       SameDiff's gradient function computes every weight's gradient: for a pass that wants the input's, this
     *       halves each dense layer's backward product. When both are read (attention's two products), both are
     *       direct OpenBLAS calls ({@link BlasProduct}) where they can be, else the op runs as it is.</li>
     *   <li>{@code add_bp} of a broadcast bias whose gradient is not read: {@code ∂L/∂x} is {@code ∂L/∂z} as it is.</li>
     * </ul>
     */
    private List<ExecutionPlan.Step> readGradients(DifferentialFunction fn, SameDiffOp op, INDArray[] in, List<String> outs,
                                                   Map<String, Shape> shapes, Map<String, Integer> lastUse) {
        if (outs.size() != 2 || in.length != 3) {
            return null;
        }
        boolean[] read = {lastUse.containsKey(outs.get(0)), lastUse.containsKey(outs.get(1))};
        if (!read[0] && !read[1]) {
            return null;
        }
        INDArray x = in[0];
        INDArray y = in[1];
        INDArray eps = in[2];
        if ("add_bp".equals(fn.opName()) && read[0] && !read[1] && sameLayout(eps, shapes.get(outs.get(0)))) {
            alias(outs.get(0), inputNames(op).get(2), eps, lastUse);
            return List.of();
        }
        if (!"matmul_bp".equals(fn.opName()) || !(fn instanceof DynamicCustomOp custom)
                || custom.iArgs().length > 3 || (custom.iArgs().length == 3 && custom.iArgs()[2] != 0)
                || custom.tArgs().length > 0
                || x.rank() < 2 || x.rank() != y.rank() || x.rank() != eps.rank()
                || !Arrays.equals(Arrays.copyOf(x.shape(), x.rank() - 2), Arrays.copyOf(y.shape(), y.rank() - 2))
                || !sameLayout(x, shapes.get(outs.get(0))) || !sameLayout(y, shapes.get(outs.get(1)))) {
            return null;
        }
        boolean tx = custom.iArgs().length > 0 && custom.iArgs()[0] != 0;
        boolean ty = custom.iArgs().length > 1 && custom.iArgs()[1] != 0;
        boolean both = read[0] && read[1];
        if (both && !(prefersBlas(x) && prefersBlas(y))) {
            return null;
        }
        List<ExecutionPlan.Step> steps = new ArrayList<>();
        for (int o = 0; o < 2; o++) {
            if (!read[o]) {
                continue;
            }
            ExecutionPlan.Step step = gradientProduct(outs.get(o), o == 0, x, y, eps, tx, ty, shapes.get(outs.get(o)), lastUse, !both);
            if (step == null) {   // only when both are read: the op computes them both
                for (int done = 0; done < o; done++) {
                    if (read[done]) {
                        unallocate(outs.get(done));
                    }
                }
                return null;
            }
            steps.add(step);
        }
        return steps;
    }

    /**
     * One gradient of {@code z = op(x) · op(y)} as one product, from {@code ε = ∂L/∂z}: {@code ∂L/∂x = ε · op(y)ᵀ}
     * ({@code op(y) · εᵀ} when x is transposed), {@code ∂L/∂y = op(x)ᵀ · ε} ({@code εᵀ · op(x)} when y is), into an
     * array it allocates for {@code name}. It is direct OpenBLAS calls where they are the faster ({@link #prefersBlas})
     * and take the arrays; otherwise libnd4j's {@code matmul} when {@code opAllowed}, else null (nothing allocated).
     *
     * <p>Where the product's left operand would be transposed ({@code Aᵀ · ∂L/∂z} and {@code ∂Sᵀ · q} in attention),
     * OpenBLAS computes the transposed result instead, {@code op(b)ᵀ · a}, into a buffer laid out transposed, and the
     * gradient is a transposing view of it: OpenBLAS packs a transposed left operand slowly (52 products of
     * 200 × 200 × 32 out of cache: 5.1 against 3.4 ms).
     */
    private ExecutionPlan.Step gradientProduct(String name, boolean ofX, INDArray x, INDArray y, INDArray eps, boolean tx, boolean ty,
                                               Shape shape, Map<String, Integer> lastUse, boolean opAllowed) {
        INDArray a;
        INDArray b;
        boolean ta;
        boolean tb;
        if (ofX) {
            a = tx ? y : eps;
            b = tx ? eps : y;
            ta = tx && ty;
            tb = tx || !ty;
        } else {
            a = ty ? eps : x;
            b = ty ? x : eps;
            ta = ty || !tx;
            tb = ty && tx;
        }
        int r = shape.shape().length;
        if (ta && prefersBlas(a)) {
            long[] swapped = shape.shape().clone();
            swapped[r - 2] = shape.shape()[r - 1];
            swapped[r - 1] = shape.shape()[r - 2];
            INDArray outT = allocate(name, shape.type(), swapped, lastUse.get(name));
            BlasProduct product = BlasProduct.of("matmul", b, a, outT, !tb, false, 1.0);
            if (product != null) {
                arrays.put(name, outT.permute(swapLastTwo(r)));
                return product;
            }
            unallocate(name);
        }
        INDArray out = allocate(name, shape.type(), shape.shape(), lastUse.get(name));
        BlasProduct product = prefersBlas(out) ? BlasProduct.of("matmul", a, b, out, ta, tb, 1.0) : null;
        if (product != null) {
            return product;
        }
        if (!opAllowed) {
            unallocate(name);
            return null;
        }
        OpContext ctx = Nd4j.getExecutioner().buildContext();
        ctx.setArgs(new INDArray[]{a, b}, new long[]{ta ? 1 : 0, tb ? 1 : 0, 0}, new DataType[0], new double[0], new boolean[0]);
        ctx.setOutputArrays(out);
        if (out.length() < SMALL_OP) {
            ctx.allowHelpers(false);
        }
        return new ExecutionPlan.OpStep(new org.nd4j.linalg.api.ops.impl.reduce.Mmul(), ctx);
    }

    /** The permutation {@code (0, 1, ..., r - 1, r - 2)}: swaps the last two dimensions. */
    private static int[] swapLastTwo(int rank) {
        int[] p = new int[rank];
        for (int d = 0; d < rank; d++) {
            p[d] = d;
        }
        p[rank - 2] = rank - 1;
        p[rank - 1] = rank - 2;
        return p;
    }

    /** An array that can stand for an output of this shape and type. */
    private static boolean sameLayout(INDArray a, Shape out) {
        return out != null && a.dataType() == out.type() && Arrays.equals(a.shape(), out.shape());
    }

    /** For each variable, the names of the ops that read it. */
    private static Map<String, Set<String>> readers(List<SameDiffOp> ops) {
        Map<String, Set<String>> readers = new HashMap<>();
        for (SameDiffOp op : ops) {
            for (String in : inputNames(op)) {
                readers.computeIfAbsent(in, k -> new HashSet<>()).add(op.getOp().opName());
            }
        }
        return readers;
    }

    private static long[] remove(long[] a, int index) {
        long[] out = new long[a.length - 1];
        for (int i = 0, j = 0; i < a.length; i++) {
            if (i != index) {
                out[j++] = a[i];
            }
        }
        return out;
    }

    /**
     * A softmax may overwrite its input when nothing else reads that buffer later: it is row-wise (each row's
     * max and sum are taken before the row is written), and it is the one op here whose input is large
     * ({@code [B, H, L, L]}), so this halves the attention's memory traffic.
     */
    private boolean canRunInPlace(DifferentialFunction fn, SameDiffOp op, INDArray[] in, Shape out, int index) {
        if (!"softmax".equals(fn.opName()) || in.length != 1 || !Arrays.equals(in[0].shape(), out.shape())
                || in[0].dataType() != out.type() || !isCContiguous(in[0])) {
            return false;
        }
        String owner = root.get(op.getInputsToOp().get(0));
        return owner != null && owned.containsKey(owner) && rootLastUse.get(owner) <= index;
    }

    private INDArray allocate(String name, DataType type, long[] shape, int lastUse) {
        long n = Arrays.stream(shape).reduce(1, Math::multiplyExact);
        Deque<DataBuffer> free = pool.get(key(type, n));
        DataBuffer buffer = free == null || free.isEmpty() ? null : free.pop();
        if (buffer == null) {
            buffer = Nd4j.createBuffer(type, Math.max(n, 1), false);
            bytes += Math.max(n, 1) * type.width();
            buffers.add(buffer);
        }
        INDArray array = Nd4j.create(buffer, shape, Nd4j.getStrides(shape, 'c'), 0, 'c', type);
        arrays.put(name, array);
        root.put(name, name);
        rootLastUse.put(name, lastUse);
        owned.put(name, buffer);
        return array;
    }

    /** Takes back what {@link #allocate} just gave {@code name}: its buffer returns to the pool. */
    private void unallocate(String name) {
        INDArray a = arrays.remove(name);
        root.remove(name);
        rootLastUse.remove(name);
        pool.computeIfAbsent(key(a.dataType(), a.length()), k -> new ArrayDeque<>()).push(owned.remove(name));
    }

    private void alias(String name, String of, INDArray array, Map<String, Integer> lastUse) {
        arrays.put(name, array);
        String owner = root.getOrDefault(of, of);
        root.put(name, owner);
        rootLastUse.merge(owner, lastUse.getOrDefault(name, -1), Math::max);
    }

    /** Gives back to the pool every buffer whose variables nobody reads after op {@code index}. */
    private void release(SameDiffOp op, int index) {
        List<String> touched = new ArrayList<>(inputNames(op));
        touched.addAll(op.getOutputsOfOp());
        for (String var : touched) {
            String owner = root.get(var);
            if (owner != null && owned.containsKey(owner) && rootLastUse.get(owner) <= index) {
                DataBuffer buffer = owned.remove(owner);
                INDArray a = arrays.get(owner);
                pool.computeIfAbsent(key(a.dataType(), a.length()), k -> new ArrayDeque<>()).push(buffer);
            }
        }
    }

    /** Frees an array's native memory now, rather than when the garbage collector gets to it. */
    private static void release(INDArray a) {
        if (a != null && a.closeable()) {
            a.close();
        }
    }

    private static String key(DataType type, long n) {
        return type + ":" + n;
    }

    private static boolean isCContiguous(INDArray a) {
        return a.ordering() == 'c' && Arrays.equals(a.stride(), Nd4j.getStrides(a.shape(), 'c'));
    }

    /**
     * A {@code gather} of whole rows of a float table by int32 ids along axis 0, every array plain (c order, no
     * offset), as {@link ExecutionPlan.GatherRows}; null for any other op or layout.
     */
    private static ExecutionPlan.Step gatherRows(DifferentialFunction fn, INDArray[] in, INDArray[] out) {
        if (!"gather".equals(fn.opName()) || !(fn instanceof DynamicCustomOp custom) || in.length != 2 || out.length != 1) {
            return null;
        }
        long[] axis = custom.iArgs();
        INDArray table = in[0];
        INDArray ids = in[1];
        INDArray o = out[0];
        if ((axis.length > 1 || (axis.length == 1 && axis[0] != 0)) || table.rank() != 2
                || table.dataType() != DataType.FLOAT || o.dataType() != DataType.FLOAT || ids.dataType() != DataType.INT32
                || !plain(table) || !plain(ids) || !plain(o) || o.length() != ids.length() * table.size(1)
                || table.data().length() > Integer.MAX_VALUE / 4 || o.length() > Integer.MAX_VALUE / 4) {   // nio views hold 2 GB
            return null;
        }
        return new ExecutionPlan.GatherRows(table.data().asNioFloat(), Math.toIntExact(table.size(0)), ids.data().asNioInt(), o.data().asNioFloat(),
                (int) table.size(1), (int) ids.length(), Arrays.toString(o.shape()));
    }

    /**
     * SameDiff's {@code matmul} ({@code z = alpha · op(x) · op(y)}, transpose flags as its integer arguments, alpha and
     * beta as its floating ones) as direct OpenBLAS calls ({@link BlasProduct}), or null to run the op: when the result
     * is transposed, beta is not 0, the arrays do not suit BLAS, or oneDNN's product is the faster ({@link #prefersBlas}).
     */
    private static ExecutionPlan.Step blasProduct(DifferentialFunction fn, INDArray[] in, INDArray[] out) {
        if (!"matmul".equals(fn.opName()) || !(fn instanceof DynamicCustomOp custom) || in.length != 2 || out.length != 1
                || !prefersBlas(out[0])) {
            return null;
        }
        long[] flags = custom.iArgs();
        double[] scalars = custom.tArgs();
        if (flags.length > 3 || Arrays.stream(flags).anyMatch(f -> f != 0 && f != 1) || (flags.length == 3 && flags[2] != 0)
                || scalars.length > 2 || (scalars.length == 2 && scalars[1] != 0)) {
            return null;
        }
        return BlasProduct.of("matmul", in[0], in[1], out[0], flags.length > 0 && flags[0] == 1, flags.length > 1 && flags[1] == 1,
                scalars.length > 0 ? scalars[0] : 1.0);
    }

    /**
     * A matrix product read only by a permute, written straight into the permute's output through the inverse permutation
     * (a strided view with one unit stride, which {@link BlasProduct} writes in place): the attention's {@code A · V}
     * {@code [B, H, L, dv]} lands in the heads-merged {@code [B, L, H, dv]} the output projection reads, and the permute's
     * copy (0.08 ms per batch of 8 on the keras.io model) goes. Null when that is not the case, or not possible.
     */
    private ExecutionPlan.Step productIntoPermute(DifferentialFunction fn, INDArray[] in, List<String> outs, List<SameDiffOp> ops,
                                                  int index, Map<String, Shape> shapes, Map<String, Integer> lastUse, Set<String> done) {
        if (!"matmul".equals(fn.opName()) || outs.size() != 1 || lastUse.getOrDefault(outs.get(0), -1) == FOREVER) {
            return null;
        }
        String z = outs.get(0);
        SameDiffOp reader = null;
        for (int j = index + 1; j < ops.size(); j++) {
            if (inputNames(ops.get(j)).contains(z)) {
                if (reader != null) {
                    return null;
                }
                reader = ops.get(j);
            }
        }
        if (reader == null || !(reader.getOp() instanceof DynamicCustomOp permute) || !"permute".equals(permute.opName())
                || inputNames(reader).size() != 1 || reader.getOutputsOfOp().size() != 1) {
            return null;
        }
        String p = reader.getOutputsOfOp().get(0);
        Shape pShape = shapes.get(p);
        Shape zShape = shapes.get(z);
        long[] axes = permute.iArgs();
        if (pShape == null || zShape == null || axes.length != zShape.shape().length) {
            return null;
        }
        int[] inverse = new int[axes.length];
        for (int i = 0; i < axes.length; i++) {
            inverse[(int) axes[i]] = i;
        }
        INDArray target = allocate(p, pShape.type(), pShape.shape(), lastUse.getOrDefault(p, index));
        INDArray view = target.permute(inverse);
        ExecutionPlan.Step product = Arrays.equals(view.shape(), zShape.shape()) ? blasProduct(fn, in, new INDArray[]{view}) : null;
        if (product == null) {
            unallocate(p);
            return null;
        }
        alias(z, p, view, lastUse);
        done.add(reader.getName());
        return product;
    }

    /**
     * A sum or mean over one axis of a c-ordered float array, {@code [outer, L, inner] → [outer, inner]}, as products with a
     * row of ones ({@code alpha = 1/L} for the mean): one {@code sgemv} per outer row, or one in all when the axis is the
     * last. libnd4j's strided reduction costs 20–30 times as much for the keras.io model's pooling ({@code [8, 200, 32]}:
     * 0.13–0.17 against 0.006 ms). Null for anything else.
     */
    private ExecutionPlan.Step reductionAsProduct(DifferentialFunction fn, INDArray[] in, List<String> outs,
                                                  Map<String, Shape> shapes, Map<String, Integer> lastUse, int index) {
        boolean mean = "reduce_mean".equals(fn.opName());
        if (!(mean || "reduce_sum".equals(fn.opName())) || !(fn instanceof Op) || in.length != 1 || outs.size() != 1) {
            return null;
        }
        INDArray x = in[0];
        int[] dims = fn.getDimensions();
        Shape outShape = shapes.get(outs.get(0));
        if (dims == null || dims.length != 1 || x.dataType() != DataType.FLOAT || !isCContiguous(x) || x.isEmpty() || outShape == null
                || outShape.type() != DataType.FLOAT || x.rank() < 2) {
            return null;
        }
        int axis = dims[0] < 0 ? dims[0] + x.rank() : dims[0];
        if (axis < 0 || axis >= x.rank() || outShape.length() * x.size(axis) != x.length()) {
            return null;
        }
        long steps = x.size(axis);
        long outer = 1;
        for (int d = 0; d < axis; d++) {
            outer *= x.size(d);
        }
        long inner = x.length() / outer / steps;
        INDArray out = allocate(outs.get(0), DataType.FLOAT, outShape.shape(), lastUse.getOrDefault(outs.get(0), index));
        DataBuffer onesBuffer = Nd4j.createBuffer(DataType.FLOAT, steps, false);
        buffers.add(onesBuffer);
        bytes += steps * 4;
        INDArray ones = Nd4j.create(onesBuffer, new long[]{steps}, new long[]{1}, 0, 'c', DataType.FLOAT).assign(1f);
        double alpha = mean ? 1.0 / steps : 1.0;
        ExecutionPlan.Step product;
        if (inner == 1) {    // [outer, L] · [L, 1]
            product = BlasProduct.of(fn.opName(), view(x, outer, steps), view(ones, steps, 1), view(out, outer, 1), false, false, alpha);
        } else {             // per outer row: [1, L] · [L, inner], the row of ones read again for each
            INDArray row = Nd4j.create(onesBuffer, new long[]{outer, 1, steps}, new long[]{0, steps, 1}, 0, 'c', DataType.FLOAT);
            product = BlasProduct.of(fn.opName(), row, view(x, outer, steps, inner), view(out, outer, 1, inner), false, false, alpha);
        }
        if (product == null) {
            unallocate(outs.get(0));
            buffers.remove(onesBuffer);
            bytes -= steps * 4;
        }
        return product;
    }

    /** A c-ordered array's elements seen with another shape of the same length, in c order (as a reshape's view). */
    private static INDArray view(INDArray a, long... shape) {
        return Nd4j.create(a.data(), shape, Nd4j.getStrides(shape, 'c'), a.offset(), 'c', a.dataType());
    }

    /**
     * Whether a product into {@code z} runs as direct OpenBLAS calls rather than as libnd4j's op, measured on the keras.io
     * model (batch 8): yes for batched products (the attention's: level or up to 10% less, and only the direct calls
     * write a strided result), for a single result row or column (a layer norm's {@code [N, E] · [E, 1]} means: a sixth
     * of the time) and for small results, where libnd4j does not use oneDNN; no for a large plain matrix product, where
     * oneDNN's kernel beats OpenBLAS's ({@code [1600, 32] · [32, 192]}: 0.20 against 0.22 ms, OpenBLAS's with its result
     * zeroed by {@code memset}; 0.30 with its own clearing pass).
     */
    private static boolean prefersBlas(INDArray z) {
        return z.rank() > 2 || z.size(-1) == 1 || z.size(-2) == 1 || z.length() < SMALL_OP;
    }

    /** An array that is its buffer from the start, in c order. */
    private static boolean plain(INDArray a) {
        return a.offset() == 0 && a.data().offset() == 0 && isCContiguous(a) && !a.isEmpty();
    }

    private OpContext context(DifferentialFunction fn, INDArray[] in, INDArray[] out) {
        OpContext ctx = Nd4j.getExecutioner().buildContext();
        if (fn instanceof DynamicCustomOp custom) {
            ctx.setArgs(in, custom.iArgs(), custom.dArgs(), custom.tArgs(), custom.bArgs());
        } else if (fn instanceof Op) {
            ctx.setInputArrays(in);
        } else {
            throw new IllegalStateException("op " + fn.getOwnName() + " (" + fn.opName() + ") cannot run outside SameDiff");
        }
        ctx.setOutputArrays(out);
        if (out.length > 0 && out[0].length() < SMALL_OP) {
            ctx.allowHelpers(false);
        }
        return ctx;
    }

    private INDArray constant(String name) {
        SDVariable v = sd.getVariable(name);
        if (v.getVariableType() != VariableType.CONSTANT && v.getVariableType() != VariableType.VARIABLE) {
            throw new IllegalStateException("no value for " + name + " (" + v.getVariableType() + ")");
        }
        return v.getArr();
    }

    private static List<String> inputNames(SameDiffOp op) {
        return op.getInputsToOp() == null ? List.of() : op.getInputsToOp();
    }
}
