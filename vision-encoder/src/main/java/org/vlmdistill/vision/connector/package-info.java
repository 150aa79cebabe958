/** Connectors from image features to decoder embeddings: Idefics3's pixel shuffle and LLaVA's MLP projector. */
package org.vlmdistill.vision.connector;
