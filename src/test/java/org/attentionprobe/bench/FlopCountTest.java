package org.attentionprobe.bench;

import org.attentionprobe.TransformerModel;
import org.attentionprobe.testing.TestData;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FlopCountTest {
    @Test
    void theKerasIoModelTakes14point3MegaFlopPerReview() {
        try (TransformerModel model = TransformerModel.open(TestData.FIXTURES.resolve("keras3/v1/model.h5"))) {
            FlopCount f = FlopCount.of(model.summary());
            // L 200, E 32, 2 heads of 32, ff 32, then Dense(20) and Dense(2) on the pooled 32
            assertEquals(2 * 200 * 32 * 2 * (32 + 32 + 32), f.parts().get("QKV projection"), 0);
            assertEquals(2 * 2 * 200 * 200 * 32, f.parts().get("scores QKᵀ"), 0);
            assertEquals(2 * 2 * 200 * 200 * 32, f.parts().get("A·V"), 0);
            assertEquals(2 * 200 * 64 * 32, f.parts().get("output projection"), 0);
            assertEquals(2 * 2 * 200 * 32 * 32, f.parts().get("feed-forward"), 0);
            assertEquals(2 * 32 * 20 + 2 * 20 * 2, f.parts().get("dense layers"), 0);
            assertEquals(14_337_360, f.total(), 0);
        }
    }

    @Test
    void twoBlocksAreCountedEach() {
        try (TransformerModel model = TransformerModel.open(TestData.FIXTURES.resolve("keras3/v3/model.h5"))) {
            FlopCount f = FlopCount.of(model.summary());
            // L 64, E 32; blocks (2 heads, ff 32) and (4 heads, ff 64), key_dim 32 each (embed_dim)
            double l = 64;
            double e = 32;
            double scores = 2 * 2 * l * l * 32 + 2 * 4 * l * l * 32;
            assertEquals(scores, f.parts().get("scores QKᵀ"), 0);
            assertEquals(4 * l * e * 32 + 4 * l * e * 64, f.parts().get("feed-forward"), 0);
        }
    }
}
