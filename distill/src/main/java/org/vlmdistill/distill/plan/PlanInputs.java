package org.vlmdistill.distill.plan;

import org.vlmdistill.core.tensor.DType;

/**
 * Everything the memory estimate is computed from.
 *
 * @param sharedVocab the vocabulary the loss cuts both sides' logits to
 */
public record PlanInputs(ModelShape student, TeacherSide teacher, Workload workload, Target target, int sharedVocab) {

    public PlanInputs {
        if (sharedVocab < 1 || sharedVocab > student.text().vocabSize()) {
            throw new IllegalArgumentException("shared vocabulary " + sharedVocab + " outside 1.."
                    + student.text().vocabSize());
        }
    }

    public PlanInputs withWorkload(Workload w) {
        return new PlanInputs(student, teacher, w, target, sharedVocab);
    }

    public PlanInputs withTeacher(TeacherSide t) {
        return new PlanInputs(student, t, workload, target, sharedVocab);
    }

    public PlanInputs withStudent(ModelShape s) {
        return new PlanInputs(s, teacher, workload, target, sharedVocab);
    }

    public PlanInputs withDType(DType d) {
        return new PlanInputs(student, teacher, workload, target.withDType(d), sharedVocab);
    }
}
