"""The adversarial training loops of LCGAN and SGAN.

Both loops take standardised spectra as a float32 tensor and alternate one
discriminator step and one generator step per iteration.  They return the
per-iteration losses; the caller owns seeding (`forked_torch_rng`) and the
networks.
"""
import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm


def _progress(n_iterations, verbose, description):
    return tqdm(range(n_iterations), desc=description, disable=not verbose, leave=False, mininterval=0.5)


def train_lcgan(generator, discriminator, real, *, n_iterations, batch_size, generator_lr, discriminator_lr,
                alpha, beta, rng, verbose=0, description="LCGAN"):
    """Train LCGAN on one class: RMSprop with two learning rates and label smoothing.

    The discriminator's targets are ``1 - alpha`` for real and ``beta`` for
    generated spectra; the generator minimises the non-saturating loss
    ``-log D(G(z))`` (target 1).  The generator and discriminator learning
    rates differ (the two time-scale update rule).

    Parameters
    ----------
    generator, discriminator : torch.nn.Module
        The networks, on the training device.
    real : torch.Tensor of shape (n, n_pixels)
        Standardised real spectra of the class, on the training device.
    n_iterations, batch_size : int
        Steps, and real (and generated) spectra per step.
    generator_lr, discriminator_lr : float
        RMSprop learning rates.
    alpha, beta : float
        Label smoothing of real and generated targets.
    rng : numpy.random.Generator
        Draws the real batches.
    verbose : int
        Show a progress bar with the current losses.

    Returns
    -------
    dict of ndarray
        ``discriminator_loss``, ``generator_loss``, and the discriminator's
        mean probability of "real" for real (``real_score``) and generated
        (``fake_score``) spectra, per iteration.
    """
    device = real.device
    loss = nn.BCEWithLogitsLoss()
    optimizer_g = torch.optim.RMSprop(generator.parameters(), lr=generator_lr)
    optimizer_d = torch.optim.RMSprop(discriminator.parameters(), lr=discriminator_lr)
    batch = min(batch_size, len(real))
    real_target = torch.full((batch,), 1.0 - alpha, device=device)
    fake_target = torch.full((batch,), float(beta), device=device)
    ones = torch.ones(batch, device=device)
    history = {key: np.empty(n_iterations) for key in
               ("discriminator_loss", "generator_loss", "real_score", "fake_score")}
    generator.train()
    discriminator.train()
    bar = _progress(n_iterations, verbose, description)
    for step in bar:
        x_real = real[torch.as_tensor(rng.choice(len(real), batch, replace=False), device=device)]
        z = torch.randn(batch, generator.latent_dim, device=device)
        x_fake = generator(z)

        optimizer_d.zero_grad(set_to_none=True)
        logit_real = discriminator(x_real)
        logit_fake = discriminator(x_fake.detach())
        loss_d = loss(logit_real, real_target) + loss(logit_fake, fake_target)
        loss_d.backward()
        optimizer_d.step()

        optimizer_g.zero_grad(set_to_none=True)
        loss_g = loss(discriminator(x_fake), ones)
        loss_g.backward()
        optimizer_g.step()

        history["discriminator_loss"][step] = loss_d.item()
        history["generator_loss"][step] = loss_g.item()
        history["real_score"][step] = torch.sigmoid(logit_real).mean().item()
        history["fake_score"][step] = torch.sigmoid(logit_fake).mean().item()
        if verbose and step % 50 == 0:
            bar.set_postfix(d_loss=f"{loss_d.item():.3f}", g_loss=f"{loss_g.item():.3f}")
    generator.eval()
    discriminator.eval()
    return history


def train_sgan(generator, discriminator, real, labels, target, *, n_iterations, batch_size, lr, rng, verbose=0,
               description="SGAN"):
    """Train an SGAN whose generator draws one class.

    The discriminator has one output per real class plus "generated" (the
    last); each step it learns the labels of a class-balanced batch of real
    spectra and to call the generated batch "generated".  The generator
    learns to make the discriminator call its spectra ``target``.  Both use
    Adam with DCGAN's settings (``betas=(0.5, 0.999)``).

    Parameters
    ----------
    generator, discriminator : torch.nn.Module
        The networks, on the training device.
    real : torch.Tensor of shape (n, n_pixels)
        Standardised real spectra of all classes.
    labels : torch.Tensor of shape (n,)
        Their class indices, 0 to n_classes - 1.
    target : int
        Index of the class to generate.
    n_iterations, batch_size, lr : int, int, float
        Steps, real spectra per step, Adam learning rate.
    rng : numpy.random.Generator
        Draws the real batches.
    verbose : int
        Show a progress bar with the current losses.

    Returns
    -------
    dict of ndarray
        ``discriminator_loss``, ``generator_loss``, and the discriminator's
        mean probability of the target class for generated spectra
        (``fake_score``), per iteration.
    """
    device = real.device
    loss = nn.CrossEntropyLoss()
    optimizer_g = torch.optim.Adam(generator.parameters(), lr=lr, betas=(0.5, 0.999))
    optimizer_d = torch.optim.Adam(discriminator.parameters(), lr=lr, betas=(0.5, 0.999))
    labels_numpy = labels.cpu().numpy()
    classes = np.unique(labels_numpy)
    members = [np.flatnonzero(labels_numpy == c) for c in classes]
    per_class = max(1, batch_size // len(classes))
    n_fake = per_class * len(classes)
    generated_label = torch.full((n_fake,), len(classes), device=device)
    target_label = torch.full((n_fake,), int(target), device=device)
    history = {key: np.empty(n_iterations) for key in ("discriminator_loss", "generator_loss", "fake_score")}
    generator.train()
    discriminator.train()
    bar = _progress(n_iterations, verbose, description)
    for step in bar:
        rows = np.concatenate([rng.choice(m, per_class, replace=len(m) < per_class) for m in members])
        rows = torch.as_tensor(rows, device=device)
        z = torch.randn(n_fake, generator.latent_dim, device=device)
        x_fake = generator(z)

        optimizer_d.zero_grad(set_to_none=True)
        loss_d = loss(discriminator(real[rows]), labels[rows]) + loss(discriminator(x_fake.detach()), generated_label)
        loss_d.backward()
        optimizer_d.step()

        optimizer_g.zero_grad(set_to_none=True)
        logits = discriminator(x_fake)
        loss_g = loss(logits, target_label)
        loss_g.backward()
        optimizer_g.step()

        history["discriminator_loss"][step] = loss_d.item()
        history["generator_loss"][step] = loss_g.item()
        history["fake_score"][step] = torch.softmax(logits, 1)[:, target].mean().item()
        if verbose and step % 50 == 0:
            bar.set_postfix(d_loss=f"{loss_d.item():.3f}", g_loss=f"{loss_g.item():.3f}")
    generator.eval()
    discriminator.eval()
    return history
