package org.vlmdistill.decoder;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vlmdistill.core.bridge.TorchOps;
import org.vlmdistill.core.model.CausalLanguageModel;
import org.vlmdistill.core.model.Parameter;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Gradients reach every parameter, and AdamW fits one batch. */
class TrainingTest {

    /** Next-token LM loss over {@code ids [batch, seq]}. */
    static NDArray lmLoss(CausalLanguageModel model, NDArray ids) {
        long batch = ids.getShape().get(0);
        long seq = ids.getShape().get(1);
        NDArray logits = model.forward(ids.get(new NDIndex(":, :-1")), null, null).logits(); // [b, s-1, V]
        NDArray targets = ids.get(new NDIndex(":, 1:")).reshape(batch * (seq - 1));
        return model.policy().ops().crossEntropy(logits.reshape(batch * (seq - 1), -1), targets, -100);
    }

    static Stream<Arguments> configs() {
        return Stream.of(Arguments.of("llama untied", Tiny.llama()), Arguments.of("llama tied", Tiny.llamaTied()),
                Arguments.of("qwen2 (bias, GQA)", Tiny.qwen2()),
                Arguments.of("internlm2 (packed wqkv with bias, GQA)", Tiny.internlm2().put("bias", true)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void gradientsReachEveryParameter(String name, ObjectNode config) {
        long seed = System.nanoTime();
        try (CausalLanguageModel model = Tiny.random(config, Tiny.fp32(), seed);
             NDManager m = NDManager.newBaseManager()) {
            List<Parameter> params = model.parameters().list();
            params.forEach(p -> p.array().setRequiresGradient(true));
            NDArray ids = Tiny.ids(m, new SplittableRandom(seed), 2, 9);
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                gc.backward(lmLoss(model, ids));
            }
            List<String> zero = new ArrayList<>();
            for (Parameter p : params) {
                double norm = p.array().getGradient().abs().sum().getFloat();
                if (!(norm > 0)) {
                    zero.add(p.name() + " (|grad|_1 = " + norm + ")");
                }
            }
            assertTrue(zero.isEmpty(), name + " (seed " + seed + "): no gradient for " + zero);
        }
    }

    @Test
    void adamwDrivesTheLossOfOneBatchDownByOverNinetyPercent() {
        long seed = System.nanoTime();
        try (CausalLanguageModel model = Tiny.random(Tiny.qwen2(), Tiny.fp32(), seed);
             NDManager m = NDManager.newBaseManager()) {
            TorchOps ops = model.policy().ops();
            List<Parameter> params = model.parameters().list();
            List<NDArray> expAvg = new ArrayList<>();
            List<NDArray> expAvgSq = new ArrayList<>();
            for (Parameter p : params) {
                p.array().setRequiresGradient(true);
                expAvg.add(m.zeros(p.array().getShape()));
                expAvgSq.add(m.zeros(p.array().getShape()));
            }
            NDArray ids = Tiny.ids(m, new SplittableRandom(seed), 2, 16);
            TorchOps.AdamW hyper = new TorchOps.AdamW(1e-2, 0.9, 0.999, 1e-8, 0.0);
            float first = Float.NaN;
            float last = Float.NaN;
            for (int step = 1; step <= 100; step++) {
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                        NDArray loss = lmLoss(model, ids);
                        last = loss.getFloat();
                        if (step == 1) {
                            first = last;
                        }
                        gc.backward(loss);
                    }
                    for (int i = 0; i < params.size(); i++) {
                        NDArray p = params.get(i).array();
                        NDArray g = p.getGradient();
                        ops.adamwStep(p, g, expAvg.get(i), expAvgSq.get(i), step, hyper);
                        g.subi(g); // GradientCollector does not zero gradients
                    }
                }
            }
            System.out.printf("AdamW 100 steps (seed %d): loss %.4f -> %.4f (%.1f%% drop)%n", seed, first, last,
                    100 * (1 - last / first));
            assertTrue(last < 0.1 * first, "seed " + seed + ": loss " + first + " -> " + last);
        }
    }
}
