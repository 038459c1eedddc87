package org.attentionprobe.layers;

import org.attentionprobe.errors.BrokenModelException;
import org.attentionprobe.io.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;

import java.util.List;
import java.util.function.BinaryOperator;

/**
 * Keras's element-wise merging layers ({@code Add}, {@code Subtract}, {@code Multiply}, {@code Average}) on a list of
 * inputs of one shape. Mask as Keras's {@code Merge.compute_mask}: the OR of the inputs' masks when every input has
 * one, else none.
 */
public final class MergeMapper implements LayerMapper {
    public static final MergeMapper ADD = new MergeMapper("Add", SDVariable::add, false);
    public static final MergeMapper SUBTRACT = new MergeMapper("Subtract", SDVariable::sub, false);
    public static final MergeMapper MULTIPLY = new MergeMapper("Multiply", SDVariable::mul, false);
    public static final MergeMapper AVERAGE = new MergeMapper("Average", SDVariable::add, true);

    private final String name;
    private final BinaryOperator<SDVariable> op;
    private final boolean average;

    private MergeMapper(String name, BinaryOperator<SDVariable> op, boolean average) {
        this.name = name;
        this.op = op;
        this.average = average;
    }

    @Override
    public Tensor map(LayerContext ctx) {
        List<Tensor> inputs = ctx.inputs();
        if (inputs.size() < 2 || (name.equals("Subtract") && inputs.size() != 2)) {
            throw new BrokenModelException("layer " + ctx.layer().name() + ": " + name + " takes "
                    + (name.equals("Subtract") ? "two inputs" : "at least two inputs") + ", the config gives it " + inputs.size());
        }
        Tensor first = inputs.get(0);
        SDVariable acc = first.var();
        for (Tensor t : inputs.subList(1, inputs.size())) {
            if (!Shapes.matches(first.shape(), t.shape())) {
                throw new BrokenModelException("layer " + ctx.layer().name() + ": " + name + " of shapes " + Shapes.format(first.shape())
                        + " and " + Shapes.format(t.shape()) + "; expected one shape");
            }
            acc = op.apply(acc, t.var());
        }
        if (average) {
            acc = acc.div(inputs.size());
        }
        return first.with(acc, first.shape()).withMask(mergedMask(inputs, true));
    }

    /** OR ({@code or}) or AND of the inputs' masks when every input has one; null otherwise. */
    static SDVariable mergedMask(List<Tensor> inputs, boolean or) {
        SDVariable m = null;
        for (Tensor t : inputs) {
            if (t.mask() == null) {
                return null;
            }
            m = m == null ? t.mask() : or ? m.add(t.mask()).sub(m.mul(t.mask())) : m.mul(t.mask());
        }
        return m;
    }
}
