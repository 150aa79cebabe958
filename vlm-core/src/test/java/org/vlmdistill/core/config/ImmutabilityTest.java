package org.vlmdistill.core.config;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ImmutabilityTest {

    @Test
    void listsAreCopiedAndUnmodifiable() {
        List<Integer> eos = new ArrayList<>(List.of(1, 2));
        GenerationConfig g = new GenerationConfig(OptionalInt.empty(), eos, OptionalInt.empty(), OptionalInt.empty(),
                false, 1.0, 1.0, 50, Extras.none());
        eos.add(3);
        assertEquals(List.of(1, 2), g.eosTokenId());
        assertThrows(UnsupportedOperationException.class, () -> g.eosTokenId().add(4));

        LlamaConfig c = Fixtures.read("Llama-3.2-1B-Instruct", LlamaConfig.class);
        assertThrows(UnsupportedOperationException.class, () -> c.eosTokenId().clear());
        Qwen2Config q = Fixtures.read("Qwen2-0.5B-Instruct", Qwen2Config.class);
        assertThrows(UnsupportedOperationException.class, () -> q.layerTypes().set(0, "sliding_attention"));
        LlavaConfig l = Fixtures.read("llava-1.5-7b-hf", LlavaConfig.class);
        assertThrows(UnsupportedOperationException.class, () -> l.visionFeatureLayer().add(0));
    }

    @Test
    void extrasCannotBeChangedThroughTheSourceTreeOrTheNodesHandedOut() {
        ObjectNode root = Json.object("{'model_type': 'llama', 'architectures': ['LlamaForCausalLM']}");
        LlamaConfig c = (LlamaConfig) HfConfigs.parse(root, "inline.json");
        LlamaConfig same = (LlamaConfig) HfConfigs.parse(root.deepCopy(), "inline.json");

        ((ArrayNode) root.get("architectures")).add("Changed");
        ((ArrayNode) c.extra().get("architectures").orElseThrow()).add("Changed");
        c.extra().toJson().put("injected", 1);
        assertThrows(UnsupportedOperationException.class, () -> c.extra().asMap().put("x", IntNode.valueOf(1)));
        assertThrows(UnsupportedOperationException.class, () -> c.extra().keys().clear());

        assertEquals(1, c.extra().get("architectures").orElseThrow().size());
        assertEquals(same, c);
        assertEquals(same.hashCode(), c.hashCode());
    }

    @Test
    void extrasOfAMapCopiesIt() {
        ObjectNode value = Json.object("{'a': 1}");
        Map<String, ObjectNode> map = new java.util.HashMap<>(Map.of("k", value));
        Extras e = Extras.of(map);
        value.put("a", 2);
        map.clear();
        assertEquals(Optional.of(Json.object("{'a': 1}")), e.get("k"));
    }
}
