/**
 * What the families' image processors share: preprocessor_config.json's fields with transformers' names
 * and defaults, Pillow's resample codes, cropping, rescale and normalization. Each family's processor
 * lives in its family's package ({@code vision.idefics3}, {@code vision.clip}, {@code vision.siglip}).
 */
package org.vlmdistill.vision.processor;
