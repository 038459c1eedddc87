package org.attentionprobe.probe;

import org.attentionprobe.errors.UserInput;
import org.attentionprobe.errors.InvalidInputException;
import org.attentionprobe.graph.ModelSummary;

import java.util.ArrayList;
import java.util.List;

/** One attention head: block {@code block}, head {@code head} (both 0-based). */
public record HeadRef(int block, int head) {
    /**
     * The heads a user selected: every head, those of one block, one head of every block, or one head of one
     * block. {@code null} means "all".
     */
    public static List<HeadRef> select(ModelSummary model, Integer block, Integer head) {
        int blocks = model.blocks().size();
        if (block != null && (block < 0 || block >= blocks)) {
            throw new InvalidInputException(UserInput.BLOCK, "block " + block + " does not exist: the model has " + blocks
                    + (blocks == 1 ? " block (0)" : " blocks (0.." + (blocks - 1) + ")"));
        }
        List<HeadRef> out = new ArrayList<>();
        for (int b = 0; b < blocks; b++) {
            if (block != null && b != block) {
                continue;
            }
            int heads = model.blocks().get(b).heads();
            if (head != null && (head < 0 || head >= heads)) {
                throw new InvalidInputException(UserInput.HEAD, "head " + head + " does not exist: block " + b + " has " + heads
                        + (heads == 1 ? " head (0)" : " heads (0.." + (heads - 1) + ")"));
            }
            for (int h = 0; h < heads; h++) {
                if (head == null || h == head) {
                    out.add(new HeadRef(b, h));
                }
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "block " + block + ", head " + head;
    }
}
