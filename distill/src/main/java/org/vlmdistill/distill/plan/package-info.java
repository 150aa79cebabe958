/**
 * What a run needs before it starts: the memory a distillation run takes on its device, from the
 * models' configs alone (no weights read), so that a plan for an 8B teacher can be made on any machine.
 * {@link org.vlmdistill.distill.plan.ModelShape} reads a model's structure,
 * {@link org.vlmdistill.distill.plan.MemoryPlanner} turns two of them, the run config and the device
 * into a {@link org.vlmdistill.distill.plan.MemoryEstimate}; docs/methods.md ("Will it fit?") gives
 * the formulas and what they assume.
 */
package org.vlmdistill.distill.plan;
