package org.vlmdistill.decoder.cache;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import org.vlmdistill.core.model.KvCache;

/**
 * transformers' {@code DynamicCache}: per layer, keys and values {@code [batch, kvHeads, len, headDim]}
 * that grow by each call's positions. The cache owns its arrays in its own manager (they are taken
 * out of any enclosing {@link NDScope}), so a caller may close everything else a step made; the
 * arrays a step replaces are freed at once.
 */
public final class DynamicKvCache implements KvCache {
    private final NDManager manager;
    private final NDArray[] keys;   // per layer [batch, kvHeads, len, headDim]
    private final NDArray[] values; // per layer [batch, kvHeads, len, headDim]
    private boolean closed;

    public DynamicKvCache(int numLayers, NDManager manager) {
        this.manager = manager;
        this.keys = new NDArray[numLayers];
        this.values = new NDArray[numLayers];
    }

    public int numLayers() {
        return keys.length;
    }

    @Override
    public int length() {
        return keys[0] == null ? 0 : Math.toIntExact(keys[0].getShape().get(2));
    }

    /**
     * Appends {@code key} and {@code value} {@code [batch, kvHeads, seq, headDim]} to layer
     * {@code layer}; returns the layer's whole keys and values {@code [batch, kvHeads, past + seq, headDim]}.
     */
    public NDArray[] update(int layer, NDArray key, NDArray value) {
        if (closed) {
            throw new IllegalStateException("KV cache is closed");
        }
        keys[layer] = append(keys[layer], key);
        values[layer] = append(values[layer], value);
        return new NDArray[] {keys[layer], values[layer]};
    }

    private NDArray append(NDArray old, NDArray next) {
        NDArray all = old == null ? next : old.concat(next, 2);
        all.attach(manager);
        NDScope.unregister(all);
        if (old != null) {
            old.close();
        }
        return all;
    }

    @Override
    public void close() {
        closed = true;
        manager.close();
    }
}
