package org.vlmdistill.datasets.sample;

import org.vlmdistill.core.image.RgbImage;
import org.vlmdistill.core.model.ImageProcessor;
import org.vlmdistill.core.model.PixelValues;
import org.vlmdistill.datasets.image.ImageDecoder;
import org.vlmdistill.datasets.record.ImageSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A conversation's decoded images, in the order of its placeholders, each processed at most once per
 * image processor. The cache is what lets several rows show one image (a question and its options, a
 * student and a teacher of one family) with one {@link PixelValues} object, which the vision tower then
 * encodes once; it is the one mutable part, guarded by {@code this}. Decoded images are never changed.
 */
public final class ConversationImages {
    public static final ConversationImages NONE = new ConversationImages(List.of());

    private final List<RgbImage> images;
    private final Map<ImageProcessor, PixelValues[]> processed = new IdentityHashMap<>();

    public ConversationImages(List<RgbImage> images) {
        this.images = List.copyOf(images);
    }

    /**
     * Each source decoded, in order.
     *
     * @throws org.vlmdistill.datasets.image.ImageDecodeException naming the image that does not decode
     * @throws IOException when an image file cannot be read at all; the message starts with the image's name
     */
    public static ConversationImages decode(List<ImageSource> sources, ImageDecoder decoder) throws IOException {
        List<RgbImage> out = new ArrayList<>(sources.size());
        for (ImageSource s : sources) {
            try {
                out.add(decoder.decode(s));
            } catch (IOException e) {
                throw new IOException(s.name() + ": " + e.getMessage(), e);
            }
        }
        return new ConversationImages(out);
    }

    public List<RgbImage> images() {
        return images;
    }

    public int size() {
        return images.size();
    }

    /** {width, height} of each image: what the image-token layouts count from. */
    public List<int[]> sizes() {
        return images.stream().map(i -> new int[] {i.width(), i.height()}).toList();
    }

    /**
     * Image {@code k} through {@code processor}: processed on the first ask, the same object after.
     *
     * @throws IllegalArgumentException from the processor, naming why it cannot take the image
     */
    public synchronized PixelValues processed(ImageProcessor processor, int k) {
        PixelValues[] done = processed.computeIfAbsent(processor, p -> new PixelValues[images.size()]);
        if (done[k] == null) {
            done[k] = processor.process(images.get(k));
        }
        return done[k];
    }
}
