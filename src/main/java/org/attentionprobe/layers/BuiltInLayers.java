package org.attentionprobe.layers;

import java.util.List;

/**
 * Every layer kind this project maps, one registration each: class names, mapper, how masks pass, the
 * creation order of sublayers (for Keras 3 weight files) and whether it holds attention. Read top to bottom,
 * this is the list of what imports; {@link LayerMappers#builtIn()} registers it.
 */
final class BuiltInLayers {
    private BuiltInLayers() {
    }

    static List<LayerKind> kinds() {
        LayerMapper identity = new IdentityMapper();
        return List.of(
                // Keras layers
                LayerKind.of("InputLayer", new InputLayerMapper()),
                LayerKind.of("Embedding", new EmbeddingMapper()).computingMasks(),
                LayerKind.of("Dense", new DenseMapper()).passingMasks(),
                LayerKind.of("MultiHeadAttention", new MultiHeadAttentionMapper()).computingMasks().holdingAttention()
                        .withSublayers("query_dense", "key_dense", "value_dense", "output_dense"),
                LayerKind.of("LayerNormalization", new LayerNormalizationMapper()).passingMasks(),
                LayerKind.of("Conv1D", new Conv1DMapper()),
                LayerKind.of("Activation", new ActivationMapper()).passingMasks(),
                LayerKind.of("Add", MergeMapper.ADD).computingMasks(),
                LayerKind.of("Subtract", MergeMapper.SUBTRACT).computingMasks(),
                LayerKind.of("Multiply", MergeMapper.MULTIPLY).computingMasks(),
                LayerKind.of("Average", MergeMapper.AVERAGE).computingMasks(),
                LayerKind.of("Concatenate", new ConcatenateMapper()).computingMasks(),
                LayerKind.of("GlobalAveragePooling1D", new GlobalAveragePooling1DMapper()).computingMasks(),
                LayerKind.of("GlobalMaxPooling1D", new GlobalMaxPooling1DMapper()),
                LayerKind.of("Flatten", new FlattenMapper()),
                LayerKind.of("Dropout", identity).passingMasks(),
                LayerKind.of("SpatialDropout1D", identity).passingMasks(),
                LayerKind.of("GaussianNoise", identity).passingMasks(),
                LayerKind.of("GaussianDropout", identity).passingMasks(),
                LayerKind.of("AlphaDropout", identity).passingMasks(),
                LayerKind.of("ActivityRegularization", identity).passingMasks(),
                LayerKind.of("Identity", identity).passingMasks(),

                // Keras 3 operation nodes: Python operators and keras.ops calls between tensors (masks are dropped)
                LayerKind.of(LayerMappers.OPS + "Add", OperationMapper.ADD),
                LayerKind.of(LayerMappers.OPS + "Subtract", OperationMapper.SUBTRACT),
                LayerKind.of(LayerMappers.OPS + "Multiply", OperationMapper.MULTIPLY),
                LayerKind.of(LayerMappers.OPS + "NotEqual", OperationMapper.NOT_EQUAL),
                LayerKind.of(LayerMappers.OPS + "Equal", OperationMapper.EQUAL),
                LayerKind.of(LayerMappers.OPS + "LogicalAnd", OperationMapper.MULTIPLY),
                LayerKind.of(LayerMappers.OPS + "Cast", OperationMapper.CAST),
                LayerKind.of(LayerMappers.OPS + "ExpandDims", OperationMapper.EXPAND_DIMS),
                LayerKind.of(LayerMappers.OPS + "GetItem", new GetItemMapper()),
                // tf.keras 2 records the same operators as TFOpLambda layers, by TensorFlow function name
                LayerKind.of("TFOpLambda", new TfOpLambdaMapper()),

                // KerasHub (and KerasNLP, its former name)
                LayerKind.of("keras_hub>TokenAndPositionEmbedding", new HubTokenAndPositionEmbeddingMapper()).computingMasks()
                        .alsoAs("keras_nlp>TokenAndPositionEmbedding")
                        .withSublayers("token_embedding", "position_embedding"),
                LayerKind.of("keras_hub>ReversibleEmbedding", new ReversibleEmbeddingMapper()).alsoAs("keras_nlp>ReversibleEmbedding",
                        "ReversibleEmbedding").computingMasks(),
                LayerKind.of("keras_hub>PositionEmbedding", new HubPositionEmbeddingMapper()).alsoAs("keras_nlp>PositionEmbedding"),
                LayerKind.of("keras_hub>SinePositionEncoding", new SinePositionEncodingMapper()).alsoAs("keras_nlp>SinePositionEncoding"),
                LayerKind.of("keras_hub>TransformerEncoder", new TransformerEncoderMapper()).passingMasks().holdingAttention()
                        .alsoAs("keras_nlp>TransformerEncoder")
                        .withSublayers(org.attentionprobe.keras.SublayerOrder.TRANSFORMER_ENCODER.toArray(String[]::new)),

                // the keras.io example's own classes (any registration package: looked up by simple name)
                LayerKind.of("TokenAndPositionEmbedding", new TokenAndPositionEmbeddingMapper())
                        .withSublayers("token_emb", "pos_emb"),
                LayerKind.of("TransformerBlock", new TransformerBlockMapper()).holdingAttention()
                        .withSublayers("att", "ffn", "layernorm1", "layernorm2", "dropout1", "dropout2"),
                LayerKind.of("MultiHeadSelfAttention", new SelfAttention2020Mapper()).holdingAttention()
                        .withSublayers("query_dense", "key_dense", "value_dense", "combine_heads"));
    }
}
