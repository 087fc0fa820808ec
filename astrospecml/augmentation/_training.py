"""The adversarial training loop of LCGAN and SGAN, and what each of them optimises.

One loop (`train_gan`) alternates one discriminator step and one generator
step per iteration, records the losses and shows the progress bar; an
*objective* says how a real batch is drawn and what the two losses are
(`LCGANObjective`, `SGANObjective`).  Spectra come in standardised, as a
float32 tensor on the training device; the caller owns seeding
(`forked_torch_rng`) and the networks.
"""
import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm


class LCGANObjective:
    """LCGAN's game on one class: label smoothing and the non-saturating generator loss.

    The discriminator's targets are ``1 - alpha`` for real and ``beta`` for
    generated spectra; the generator minimises ``-log D(G(z))`` (target 1).

    Parameters
    ----------
    real : torch.Tensor of shape (n, n_pixels)
        Standardised real spectra of the class, on the training device.
    batch_size : int
        Real (and generated) spectra per step; fewer when the class has fewer.
    alpha, beta : float
        Label smoothing of real and generated targets.
    """

    history_keys = ("discriminator_loss", "generator_loss", "real_score", "fake_score")

    def __init__(self, real, batch_size, alpha, beta):
        self.real = real
        self.batch = min(batch_size, len(real))
        device = real.device
        self.loss = nn.BCEWithLogitsLoss()
        self.real_target = torch.full((self.batch,), 1.0 - alpha, device=device)
        self.fake_target = torch.full((self.batch,), float(beta), device=device)
        self.ones = torch.ones(self.batch, device=device)

    def real_batch(self, rng):
        """Real spectra of one step, and the number of spectra to generate."""
        rows = torch.as_tensor(rng.choice(len(self.real), self.batch, replace=False), device=self.real.device)
        return self.real[rows], self.batch

    def discriminator_loss(self, discriminator, real, fake):
        logit_real = discriminator(real)
        logit_fake = discriminator(fake)
        loss = self.loss(logit_real, self.real_target) + self.loss(logit_fake, self.fake_target)
        return loss, {"real_score": torch.sigmoid(logit_real).mean().item(),
                      "fake_score": torch.sigmoid(logit_fake).mean().item()}

    def generator_loss(self, discriminator, fake):
        return self.loss(discriminator(fake), self.ones), {}


class SGANObjective:
    """SGAN's game: the discriminator names real classes or "generated", the generator aims at one class.

    The discriminator has one output per real class plus "generated" (the
    last); each step it learns the labels of a class-balanced batch of real
    spectra and to call the generated batch "generated".  The generator
    learns to make the discriminator call its spectra ``target``.

    Parameters
    ----------
    real : torch.Tensor of shape (n, n_pixels)
        Standardised real spectra of all classes.
    labels : torch.Tensor of shape (n,)
        Their class indices, 0 to n_classes - 1.
    target : int
        Index of the class to generate.
    batch_size : int
        Real spectra per step, spread evenly over the classes.
    """

    history_keys = ("discriminator_loss", "generator_loss", "fake_score")

    def __init__(self, real, labels, target, batch_size):
        self.real, self.labels, self.target = real, labels, int(target)
        device = real.device
        self.loss = nn.CrossEntropyLoss()
        labels_numpy = labels.cpu().numpy()
        classes = np.unique(labels_numpy)
        self.members = [np.flatnonzero(labels_numpy == c) for c in classes]
        self.per_class = max(1, batch_size // len(classes))
        self.n_fake = self.per_class * len(classes)
        self.generated_label = torch.full((self.n_fake,), len(classes), device=device)
        self.target_label = torch.full((self.n_fake,), self.target, device=device)

    def real_batch(self, rng):
        rows = np.concatenate([rng.choice(m, self.per_class, replace=len(m) < self.per_class) for m in self.members])
        self.rows = torch.as_tensor(rows, device=self.real.device)
        return self.real[self.rows], self.n_fake

    def discriminator_loss(self, discriminator, real, fake):
        loss = self.loss(discriminator(real), self.labels[self.rows]) + self.loss(discriminator(fake),
                                                                                  self.generated_label)
        return loss, {}

    def generator_loss(self, discriminator, fake):
        logits = discriminator(fake)
        score = torch.softmax(logits, 1)[:, self.target].mean().item()
        return self.loss(logits, self.target_label), {"fake_score": score}


def train_gan(generator, discriminator, objective, *, generator_optimizer, discriminator_optimizer, n_iterations,
              rng, verbose=0, description="GAN"):
    """Train a GAN: per iteration one discriminator step, then one generator step.

    Parameters
    ----------
    generator, discriminator : torch.nn.Module
        The networks, on the training device.
    objective : LCGANObjective or SGANObjective
        How real batches are drawn and what each network minimises.
    generator_optimizer, discriminator_optimizer : torch.optim.Optimizer
        Optimisers of the two networks.
    n_iterations : int
        Steps.
    rng : numpy.random.Generator
        Draws the real batches.
    verbose : int
        Show a progress bar with the current losses.

    Returns
    -------
    dict of ndarray
        Per iteration, the objective's ``history_keys``: the two losses and
        the discriminator's scores.
    """
    device = next(generator.parameters()).device
    history = {key: np.empty(n_iterations) for key in objective.history_keys}
    generator.train()
    discriminator.train()
    bar = tqdm(range(n_iterations), desc=description, disable=not verbose, leave=False, mininterval=0.5)
    for step in bar:
        real, n_fake = objective.real_batch(rng)
        fake = generator(torch.randn(n_fake, generator.latent_dim, device=device))

        discriminator_optimizer.zero_grad(set_to_none=True)
        loss_d, scores_d = objective.discriminator_loss(discriminator, real, fake.detach())
        loss_d.backward()
        discriminator_optimizer.step()

        generator_optimizer.zero_grad(set_to_none=True)
        loss_g, scores_g = objective.generator_loss(discriminator, fake)
        loss_g.backward()
        generator_optimizer.step()

        history["discriminator_loss"][step] = loss_d.item()
        history["generator_loss"][step] = loss_g.item()
        for key, value in {**scores_d, **scores_g}.items():
            history[key][step] = value
        if verbose and step % 50 == 0:
            bar.set_postfix(d_loss=f"{loss_d.item():.3f}", g_loss=f"{loss_g.item():.3f}")
    generator.eval()
    discriminator.eval()
    return history
