package org.vlmdistill.datasets.read;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The JSON set-up the readers share; one mapper per reader, as readers are used from one thread each. */
final class Json {
    private Json() {}

    /**
     * A mapper whose longest string is the raw-record limit. {@code wholeInput}: the text read is one value
     * (a JSONL line) and anything after it is an error; off for a parser walking an array, where the
     * next element follows.
     */
    static ObjectMapper mapper(ReaderOptions options, boolean wholeInput) {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(options.maxRawBytes()).build())
                .build();
        return new ObjectMapper(factory).configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, wholeInput);
    }

    /** Jackson's message without the source excerpt it appends, with the line and column. */
    static String describe(JsonProcessingException e) {
        var loc = e.getLocation();
        String msg = e.getOriginalMessage();
        int nl = msg.indexOf('\n');
        if (nl >= 0) {
            msg = msg.substring(0, nl);
        }
        return loc == null ? msg : msg + " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
    }
}
