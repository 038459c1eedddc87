package org.attentionprobe.layers;

import java.util.List;

/**
 * Layer kinds a jar adds to the command line: list the implementing class in
 * {@code META-INF/services/org.attentionprobe.layers.LayerKindProvider} and put the jar on the class path
 * ({@code java -cp probe.jar:my-layers.jar org.attentionprobe.cli.Main model.keras ...}).
 * {@link LayerMappers#withPlugins()} registers them after the built-in kinds, so a plugin may replace one.
 */
public interface LayerKindProvider {
    List<LayerKind> layerKinds();
}
