/** The {@code idefics3} and {@code llava} model families: tower + connector + a registered text decoder. */
package org.vlmdistill.vision.family;
