package org.vlmdistill.distill.loss;

import ai.djl.ndarray.NDManager;

import java.util.ArrayList;
import java.util.List;

/** Every loss, with non-default settings where a setting exists so that the tests exercise it. */
public final class LossTestSupport {
    private LossTestSupport() {
    }

    static List<DistillationLoss> everyLoss(NDManager manager) {
        Taid taid = new Taid(0.3, 0.9, 5e-4, 0.99, true);
        List<DistillationLoss> all = new ArrayList<>(List.of(taid, new ForwardKl(1), new ForwardKl(2.5),
                new ReverseKl(), new TotalVariation(), new SkewKl(0.1), new SkewReverseKl(0.1),
                new SkewKl(0.3), new GeneralizedJsd(0.5), new GeneralizedJsd(0.2), new GeneralizedJsd(0),
                new GeneralizedJsd(1), new AdaptiveKl(0.5), new Ctkd(manager, 1.0), new Dkd(1, 0.5, 1),
                new Dkd(1, 8, 4), new Sft()));
        return all;
    }

    /** Whether D stays finite where the student's probability is 0 (forward KL and its aliases are infinite there). */
    public static boolean finiteAtZeroStudentProbability(DistillationLoss loss) {
        return switch (loss) {
            case Taid t -> true;
            case TotalVariation tv -> true;
            case ReverseKl r -> true;
            case SkewReverseKl k -> true;
            case SkewKl k -> k.alpha() > 0;
            case GeneralizedJsd j -> j.beta() > 0;
            default -> false;
        };
    }

    static String label(DistillationLoss loss) {
        return switch (loss) {
            case ForwardKl f -> "fkl T=" + f.temperature();
            case SkewKl k -> "skew_kl a=" + k.alpha();
            case GeneralizedJsd j -> "jsd beta=" + j.beta();
            case Dkd d -> "dkd " + d.alpha() + "/" + d.beta() + "/" + d.temperature();
            default -> loss.name();
        };
    }
}
