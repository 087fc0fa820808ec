"""predict_files: readers, one row per input whatever goes wrong, resumption after kill -9, and Dask."""
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time

import astropy.units as u
import numpy as np
import pytest
import torch
from astropy.io import fits
from astropy.nddata import StdDevUncertainty
from astropy.table import Table
from sklearn.pipeline import make_pipeline
from specutils import Spectrum

from astrospecml import cli, survey
from astrospecml.classifiers import DNNClassifier
from astrospecml.io import write_lamost_lrs, write_spex_prism
from astrospecml.persistence import ModelFileError, load_model, save_model
from astrospecml.preprocessing import FluxNorm, Resample
from astrospecml.survey import (
    STATUSES,
    predict_files,
    predict_paths,
    read_predictions,
    training_grid,
)

GRID = np.linspace(4500, 7500, 64) * u.AA
CLASSES = np.array(["EMISSION", "PLAIN"])


def _flux(wave_aa, kind, rng):
    """A continuum, with an emission line at 6563 A for the 'EMISSION' class."""
    flux = 1 + 0.2 * (wave_aa - 6000) / 3000 + rng.normal(0, 0.02, wave_aa.size)
    if kind == "EMISSION":
        flux = flux + 2.0 * np.exp(-0.5 * ((wave_aa - 6563) / 40) ** 2)
    return flux


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    """A small fitted pipeline whose first step resamples onto its training grid."""
    rng = np.random.default_rng(0)
    labels = CLASSES[np.arange(60) % 2]
    wave = np.linspace(4000, 8000, 120)
    spectra = [Spectrum(flux=_flux(wave, k, rng) * u.Jy, spectral_axis=wave * u.AA) for k in labels]
    model = make_pipeline(Resample(GRID), FluxNorm(),
                          DNNClassifier(hidden_units=(16,), max_epochs=20, lr=1e-2, random_state=0))
    model.fit(spectra, labels)
    path = tmp_path_factory.mktemp("model") / "model.safetensors"
    save_model(model, path)
    return path


def _write_formats(folder, rng):
    """One file per supported reader, each of a known class; returns {path: class}."""
    truth = {}
    wave = np.linspace(4000, 8000, 150)
    # Plain tabular FITS (specutils' writer).
    for i, kind in enumerate(CLASSES):
        path = folder / f"tabular-{i}.fits"
        Spectrum(flux=_flux(wave, kind, rng) * u.Jy, spectral_axis=wave * u.AA).write(path, format="tabular-fits")
        truth[path] = kind
    # wcs1d-fits: flux in the primary HDU, a linear wavelength solution in the header.
    for i, kind in enumerate(CLASSES):
        header = fits.Header({"CRVAL1": 4000.0, "CDELT1": 4000 / 149, "CRPIX1": 1, "CTYPE1": "WAVE",
                              "CUNIT1": "Angstrom", "BUNIT": "Jy"})
        path = folder / f"wcs1d-{i}.fits"
        fits.PrimaryHDU(_flux(wave, kind, rng), header=header).writeto(path)
        truth[path] = kind
    # LAMOST LRS, log-linear grid.
    log_wave = 10 ** (3.6 + 1e-4 * np.arange(3100))
    for i, kind in enumerate(CLASSES):
        path = folder / f"spec-lamost-{i}.fits"
        write_lamost_lrs(Spectrum(flux=_flux(log_wave, kind, rng) * u.Jy, spectral_axis=log_wave * u.AA), path)
        truth[path] = kind
    # SDSS-III/IV spec: a binary table of loglam, flux, ivar.
    for i, kind in enumerate(CLASSES):
        path = folder / f"spec-sdss-{i}.fits"
        primary = fits.PrimaryHDU(header=fits.Header({"TELESCOP": "SDSS 2.5-M", "VERS2D": "v5_13_0",
                                                      "FIBERID": 100 + i}))
        columns = [fits.Column(name="flux", format="E", array=_flux(log_wave, kind, rng)),
                   fits.Column(name="loglam", format="E", array=np.log10(log_wave)),
                   fits.Column(name="ivar", format="E", array=np.full(log_wave.size, 100.0)),
                   fits.Column(name="and_mask", format="J", array=np.zeros(log_wave.size, dtype=np.int32))]
        fits.HDUList([primary, fits.BinTableHDU.from_columns(columns)]).writeto(path)
        truth[path] = kind
    # SpeX prism layout, wavelength in micron (the reader converts).
    for i, kind in enumerate(CLASSES):
        path = folder / f"spex-{i}.fits"
        write_spex_prism(Spectrum(flux=_flux(wave, kind, rng) * u.Jy, spectral_axis=(wave * u.AA).to(u.um)), path)
        truth[path] = kind
    return truth


def _write_faulty(folder):
    """Files that must each give one row with the given status."""
    wave = np.linspace(4000, 8000, 150)
    faults = {}
    (folder / "text.fits").write_text("this is not FITS")
    faults[folder / "text.fits"] = "unreadable"
    good = folder / "tabular-0.fits"
    (folder / "truncated.fits").write_bytes(good.read_bytes()[:3000])
    faults[folder / "truncated.fits"] = "unreadable"
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(np.ones((20, 20)))]).writeto(folder / "image.fits")
    faults[folder / "image.fits"] = "unreadable"
    faults[folder / "missing.fits"] = "unreadable"
    red = np.linspace(9000, 12000, 150)
    Spectrum(flux=np.ones(150) * u.Jy, spectral_axis=red * u.AA).write(folder / "red.fits", format="tabular-fits")
    faults[folder / "red.fits"] = "no_overlap"
    half = np.linspace(7000, 9000, 150)  # 25% of the grid: below min_coverage
    Spectrum(flux=np.ones(150) * u.Jy, spectral_axis=half * u.AA).write(folder / "half.fits", format="tabular-fits")
    faults[folder / "half.fits"] = "insufficient_coverage"
    Spectrum(flux=np.full(150, np.nan) * u.Jy, spectral_axis=wave * u.AA).write(folder / "nan.fits",
                                                                               format="tabular-fits")
    faults[folder / "nan.fits"] = "all_nan"
    return faults


def test_every_reader_and_every_fault_gives_exactly_one_row(tmp_path, model_file):
    rng = np.random.default_rng(1)
    truth = _write_formats(tmp_path, rng)
    faults = _write_faulty(tmp_path)
    inputs = [str(p) for p in [*truth, *faults]]
    summary = predict_files(model_file, inputs, tmp_path / "out", shard_size=3, progress=False)
    rows = read_predictions(tmp_path / "out")
    assert len(rows) == len(inputs) == summary.n_inputs
    assert sorted(rows["file"]) == sorted(os.path.abspath(p) for p in inputs)
    assert list(rows["index"]) == list(range(len(inputs)))
    by_file = {row["file"]: row for row in rows}
    for path, kind in truth.items():
        row = by_file[str(path)]
        assert row["status"] == "ok", (path, row["error"])
        assert row["predicted_class"] == kind, path
        assert row["proba_EMISSION"] + row["proba_PLAIN"] == pytest.approx(1.0, abs=1e-6)
    for path, status in faults.items():
        row = by_file[str(path)]
        assert row["status"] == status, (path, row["error"])
        assert row["error"] and row["predicted_class"] == ""
        assert np.isnan(row["proba_EMISSION"])
    assert "cover" in by_file[str(tmp_path / "half.fits")]["error"]
    assert set(rows["status"]) <= set(STATUSES)
    assert set(rows["model_checksum"]) == {summary.model_checksum}
    assert summary.status_counts == {"all_nan": 1, "insufficient_coverage": 1, "no_overlap": 1, "ok": 10,
                                    "unreadable": 4}


def test_survey_rows_hold_the_models_own_probabilities_whatever_its_resampling_method(tmp_path):
    # The survey path puts every file onto the training grid before the model sees it; it must do
    # so as the model's Resample step does, or a model trained with linear interpolation would
    # classify survey files resampled another way.
    rng = np.random.default_rng(4)
    wave = np.linspace(4000, 8000, 150)
    labels = CLASSES[np.arange(40) % 2]
    spectra = [Spectrum(flux=_flux(wave, k, rng) * u.Jy, spectral_axis=wave * u.AA) for k in labels]
    paths = []
    for i, spectrum in enumerate(spectra[:6]):
        paths.append(str(tmp_path / f"s{i}.fits"))
        spectrum.write(paths[-1], format="tabular-fits")
    for method in ("linear", "flux_conserving"):
        model = make_pipeline(Resample(GRID, method=method), FluxNorm(),
                              DNNClassifier(hidden_units=(16,), max_epochs=5, random_state=0)).fit(spectra, labels)
        rows = predict_paths(model, paths, reader_format="tabular-fits")
        expected = model.predict_proba([Spectrum.read(p, format="tabular-fits") for p in paths])
        np.testing.assert_allclose(np.stack([rows[f"proba_{c}"] for c in CLASSES], axis=1), expected, rtol=1e-6)


def test_a_named_format_opens_each_file_once(tmp_path, model_file, monkeypatch):
    # Reading at disk speed: with the format named, no identifier opens the file before the reader does.
    rng = np.random.default_rng(5)
    log_wave = 10 ** (3.6 + 1e-4 * np.arange(3100))
    paths = []
    for i, kind in enumerate(CLASSES[np.arange(4) % 2]):
        paths.append(str(tmp_path / f"spec-{i}.fits"))
        write_lamost_lrs(Spectrum(flux=_flux(log_wave, kind, rng) * u.Jy, spectral_axis=log_wave * u.AA), paths[-1])
    opened = []
    real_open = fits.open

    def counting_open(name, *args, **kwargs):
        opened.append(os.fspath(name))
        return real_open(name, *args, **kwargs)

    monkeypatch.setattr(fits, "open", counting_open)
    rows = predict_paths(load_model(model_file), paths, reader_format="LAMOST-LRS")
    assert list(rows["status"]) == ["ok"] * 4
    assert sorted(opened) == sorted(paths)


def test_a_spectrum_the_model_cannot_take_fails_alone(tmp_path):
    rng = np.random.default_rng(2)
    wave = np.linspace(4000, 8000, 150)
    spectra = [Spectrum(flux=_flux(wave, k, rng) * u.Jy, spectral_axis=wave * u.AA) for k in CLASSES[[0, 1] * 10]]
    # No imputer: masked pixels inside a spectrum (the ends are filled) are refused by the network.
    clf = DNNClassifier(hidden_units=(8,), max_epochs=2, random_state=0).fit(spectra, CLASSES[[0, 1] * 10])
    assert training_grid(clf)[0] == 4000 * u.AA
    gap = np.zeros(150, bool)
    gap[70:75] = True
    short = Spectrum(flux=np.ones(150) * u.Jy, spectral_axis=wave * u.AA, mask=gap)
    for i, spectrum in enumerate([spectra[0], short, spectra[1]]):
        spectrum.write(tmp_path / f"s{i}.fits", format="tabular-fits")
    rows = predict_paths(clf, [str(tmp_path / f"s{i}.fits") for i in range(3)], reader_format="tabular-fits")
    assert list(rows["status"]) == ["ok", "failed", "ok"]
    assert "masked pixels" in rows["error"][1] and "BadPixelImputer" in rows["error"][1]
    alone = predict_paths(clf, [str(tmp_path / "s1.fits")], reader_format="tabular-fits")  # a batch of one
    assert list(alone["status"]) == ["failed"]


def test_wrong_arguments_get_clear_errors(tmp_path, model_file):
    with pytest.raises(ValueError, match="no file matches"):
        predict_files(model_file, str(tmp_path / "*.fits"), tmp_path / "out")
    with pytest.raises(ValueError, match="is a directory"):
        predict_files(model_file, str(tmp_path), tmp_path / "out")
    X = np.random.default_rng(0).normal(size=(20, 8))
    plain = DNNClassifier(hidden_units=(4,), max_epochs=1).fit(X, np.arange(20) % 2)
    with pytest.raises(ValueError, match="does not know the wavelength grid"):
        predict_files(plain, [str(tmp_path / "a.fits")], tmp_path / "out")
    (tmp_path / "a.fits").write_text("x")
    predict_files(model_file, [str(tmp_path / "a.fits")], tmp_path / "out", progress=False)
    with pytest.raises(ValueError, match="holds a job with other inputs_sha256"):
        predict_files(model_file, [str(tmp_path / "a.fits"), str(model_file)], tmp_path / "out", progress=False)
    with pytest.raises(ValueError, match="shard_size"):
        predict_files(model_file, [str(tmp_path / "a.fits")], tmp_path / "out", shard_size=9, progress=False)
    again = predict_files(model_file, [str(tmp_path / "a.fits"), str(model_file)], tmp_path / "out",
                          overwrite=True, progress=False)
    assert again.n_resumed == 0 and len(read_predictions(tmp_path / "out")) == 2


def _many_files(folder, n, seed=3):
    rng = np.random.default_rng(seed)
    wave = np.linspace(4000, 8000, 150)
    folder.mkdir()
    for i in range(n):
        Spectrum(flux=_flux(wave, CLASSES[i % 2], rng) * u.Jy,
                 spectral_axis=wave * u.AA).write(folder / f"f{i:04d}.fits", format="tabular-fits")
    (folder / f"f{min(7, n - 1):04d}.fits").write_text("corrupt")  # faults are rows too
    return str(folder / "*.fits")


CHILD = """
import sys, time
import astrospecml.survey as survey
slow = survey.shards.run_shard
def run_shard(*args, **kwargs):  # slow I/O, so that the kill lands mid-job
    time.sleep(0.15)
    return slow(*args, **kwargs)
survey.shards.run_shard = run_shard
survey.predict_files(sys.argv[1], sys.argv[2], sys.argv[3], shard_size=4, reader_format="tabular-fits",
                     progress=False)
"""


def test_resumes_after_kill_9_with_no_input_lost_or_written_twice(tmp_path, model_file):
    pattern = _many_files(tmp_path / "in", 60)
    reference = predict_files(model_file, pattern, tmp_path / "reference", shard_size=4,
                              reader_format="tabular-fits", progress=False)
    out = tmp_path / "killed"
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(CHILD), str(model_file), pattern, str(out)])
    deadline = time.monotonic() + 120
    while len(list(out.glob("predictions-*.parquet"))) < 3 and time.monotonic() < deadline:
        assert child.poll() is None, "the job ended before it could be killed"
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait()
    written_before = len(list(out.glob("predictions-*.parquet")))
    assert 3 <= written_before < reference.n_shards  # killed mid-job
    (out / "predictions-000014.parquet.partial").write_bytes(b"half a shard")  # as if killed while writing
    resumed = predict_files(model_file, pattern, out, shard_size=4, reader_format="tabular-fits", progress=False)
    assert resumed.n_resumed == 4 * written_before
    assert sum(resumed.status_counts.values()) == 60 - 4 * written_before
    assert not list(out.glob("*.partial"))
    rows, expected = read_predictions(out), read_predictions(tmp_path / "reference")
    assert len(rows) == 60 and len(set(rows["file"])) == 60
    for name in expected.colnames:
        np.testing.assert_array_equal(rows[name], expected[name])
    # A third run finds nothing to do.
    assert predict_files(model_file, pattern, out, shard_size=4, reader_format="tabular-fits",
                         progress=False).n_resumed == 60


def test_dask_local_cluster_gives_the_same_rows_and_survives_a_worker_killed_mid_job(tmp_path, model_file):
    distributed = pytest.importorskip("distributed")
    pattern = _many_files(tmp_path / "in", 48)
    local = predict_files(model_file, pattern, tmp_path / "local", shard_size=4, progress=False)
    expected = read_predictions(tmp_path / "local")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        on_dask = predict_files(model_file, pattern, tmp_path / "dask", shard_size=4, engine="dask",
                                scheduler=client, progress=False)
        assert on_dask.status_counts == local.status_counts
        rows = read_predictions(tmp_path / "dask")
        for name in expected.colnames:
            np.testing.assert_array_equal(rows[name], expected[name])

        # Kill one worker process (SIGKILL) once the job is under way; Dask re-runs its shards elsewhere.
        victim = next(iter(client.run(os.getpid).values()))
        out = tmp_path / "dask-killed"
        result = {}
        job = threading.Thread(target=lambda: result.update(summary=predict_files(
            model_file, pattern, out, shard_size=4, engine="dask", scheduler=client, progress=False)))
        job.start()
        deadline = time.monotonic() + 120
        while not list(out.glob("predictions-*.parquet")) and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(victim, signal.SIGKILL)
        shards_at_kill = len(list(out.glob("predictions-*.parquet")))
        job.join(timeout=300)
        assert shards_at_kill < local.n_shards  # the worker died mid-job
        assert result["summary"].status_counts == local.status_counts
    rows = read_predictions(out)
    assert len(rows) == 48 and len(set(rows["file"])) == 48
    for name in expected.colnames:
        np.testing.assert_array_equal(rows[name], expected[name])


def test_processes_engine_gives_the_same_rows_and_a_job_whose_process_died_resumes(tmp_path, model_file):
    import multiprocessing
    from concurrent.futures.process import BrokenProcessPool

    pattern = _many_files(tmp_path / "in", 16)
    local = predict_files(model_file, pattern, tmp_path / "local", shard_size=2, progress=False)
    expected = read_predictions(tmp_path / "local")
    out = tmp_path / "processes"
    # Kill one of the job's processes (SIGKILL) once it has written a shard: the job stops with the pool's
    # error, keeping its whole shards; the same call again does the rest.
    others = {child.pid for child in multiprocessing.active_children()}  # not the job's: left alone

    def kill_a_worker_after_the_first_shard():
        deadline = time.monotonic() + 120
        while not list(out.glob("predictions-*.parquet")) and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(next(c.pid for c in multiprocessing.active_children() if c.pid not in others), signal.SIGKILL)

    killer = threading.Thread(target=kill_a_worker_after_the_first_shard)
    killer.start()
    with pytest.raises(BrokenProcessPool):
        predict_files(model_file, pattern, out, shard_size=2, engine="processes", n_workers=2, progress=False)
    killer.join()
    written = len(list(out.glob("predictions-*.parquet")))
    assert 1 <= written < local.n_shards
    # Any engine resumes the job (here the local one: a second pool would cost the test another start-up).
    resumed = predict_files(model_file, pattern, out, shard_size=2, progress=False)
    assert resumed.n_resumed == 2 * written  # the whole shards were kept, not redone
    assert sum(resumed.status_counts.values()) == 16 - 2 * written
    rows = read_predictions(out)
    for name in expected.colnames:
        np.testing.assert_array_equal(rows[name], expected[name])


def test_console_command_writes_fits_shards(tmp_path, model_file, capsys):
    pattern = _many_files(tmp_path / "in", 6)
    status = cli.main(["predict", str(model_file), pattern, "--output", str(tmp_path / "out"), "--format", "fits",
                       "--reader", "tabular-fits", "--shard-size", "4", "--no-progress"])
    assert status == 0
    printed = capsys.readouterr().out
    assert "6 files (0 done by an earlier run); this run: ok 5, unreadable 1" in printed
    shards = sorted((tmp_path / "out").glob("predictions-*.fits"))
    assert len(shards) == 2
    assert len(Table.read(shards[0])) == 4
    rows = read_predictions(tmp_path / "out")
    assert sorted(rows["status"]) == ["ok"] * 5 + ["unreadable"]


# -- jobs that trust nothing they did not write -------------------------------------------------------

def _rows_equal(rows, expected, ignore=("file",)):
    assert len(rows) == len(expected)
    for name in expected.colnames:
        if name not in ignore:
            np.testing.assert_array_equal(rows[name], expected[name])


def test_a_copied_moved_or_edited_job_folder_writes_only_into_itself(tmp_path, model_file):
    pattern = _many_files(tmp_path / "in", 20)
    kwargs = dict(shard_size=2, reader_format="tabular-fits", progress=False)
    predict_files(model_file, pattern, tmp_path / "reference", **kwargs)
    expected = read_predictions(tmp_path / "reference")
    half = tmp_path / "half"
    shutil.copytree(tmp_path / "reference", half)
    for shard in sorted(half.glob("predictions-*.parquet"))[6:]:
        shard.unlink()  # a half-done job: 6 of 10 shards

    copy = tmp_path / "copy"
    shutil.copytree(half, copy)
    summary = predict_files(model_file, pattern, copy, **kwargs)
    assert summary.n_resumed == 12 and sum(summary.status_counts.values()) == 8
    assert len(list(half.glob("predictions-*"))) == 6  # the original folder is untouched
    _rows_equal(read_predictions(copy), expected)

    moved = tmp_path / "moved"
    shutil.move(half, moved)
    predict_files(model_file, pattern, moved, **kwargs)
    _rows_equal(read_predictions(moved), expected)

    edited = tmp_path / "edited"
    shutil.copytree(copy, edited)
    for shard in sorted(edited.glob("predictions-*.parquet"))[8:]:
        shard.unlink()
    job = json.loads((edited / "_job" / "job.json").read_text())
    job["output"] = str(tmp_path / "elsewhere")  # as an attacker or an old version would write it
    (edited / "_job" / "job.json").write_text(json.dumps(job))
    with pytest.raises(ValueError, match="not a valid job description: unknown output"):
        predict_files(model_file, pattern, edited, **kwargs)
    assert not (tmp_path / "elsewhere").exists()


def test_resume_restores_a_swapped_model_copy_and_workers_refuse_it(tmp_path, model_file):
    pattern = _many_files(tmp_path / "in", 12)
    kwargs = dict(shard_size=4, reader_format="tabular-fits", progress=False)
    predict_files(model_file, pattern, tmp_path / "reference", **kwargs)
    expected = read_predictions(tmp_path / "reference")

    other = load_model(model_file)
    other.steps[-1][1].set_params(random_state=1, max_epochs=2, validation_fraction=None)
    other.fit([Spectrum(flux=np.ones(64) * u.Jy, spectral_axis=GRID)] * 4, CLASSES[[0, 1, 0, 1]])
    save_model(other, tmp_path / "other.safetensors")

    out = tmp_path / "job"
    shutil.copytree(tmp_path / "reference", out)
    (out / "predictions-000002.parquet").unlink()
    shutil.copyfile(tmp_path / "other.safetensors", out / "_job" / "model.safetensors")  # valid, not the job's
    with pytest.raises(ModelFileError, match="not the model of this job"):
        survey.shards._cached_model(out / "_job" / "model.safetensors", expected["model_checksum"][0], "cpu")
    with pytest.warns(UserWarning, match="not the job's model; restoring it"):
        predict_files(model_file, pattern, out, **kwargs)
    _rows_equal(read_predictions(out), expected)
    # The job's own model is still required: another one is refused before any work.
    with pytest.raises(ValueError, match="holds a job with other model_checksum"):
        predict_files(tmp_path / "other.safetensors", pattern, out, **kwargs)


def test_non_finite_probabilities_are_failed_rows_never_ok(tmp_path, model_file):
    pattern = _many_files(tmp_path / "in", 4)
    model = load_model(model_file)
    with torch.no_grad():
        for weight in model.steps[-1][1].net_.module_.parameters():
            weight.fill_(float("nan"))
    rows = predict_paths(model, sorted(glob.glob(pattern)), reader_format="tabular-fits")
    assert "ok" not in set(rows["status"])
    readable = rows[rows["status"] != "unreadable"]
    assert len(readable) == 3 and set(readable["status"]) == {"failed"}
    assert all("non-finite probabilities" in error for error in readable["error"])
    assert set(readable["predicted_class"]) == {""}


def test_a_file_stored_red_to_blue_is_predicted_like_its_blue_to_red_twin(tmp_path, model_file):
    rng = np.random.default_rng(5)
    wave = np.linspace(4000, 8000, 150)
    paths = []
    for i, kind in enumerate(CLASSES):
        flux = _flux(wave, kind, rng)
        Spectrum(flux=flux * u.Jy, spectral_axis=wave * u.AA).write(tmp_path / f"up{i}.fits", format="tabular-fits")
        Spectrum(flux=flux[::-1] * u.Jy, spectral_axis=wave[::-1] * u.AA).write(tmp_path / f"down{i}.fits",
                                                                                 format="tabular-fits")
        paths += [str(tmp_path / f"up{i}.fits"), str(tmp_path / f"down{i}.fits")]
    model = load_model(model_file)
    rows = predict_paths(model, paths, reader_format="tabular-fits")
    assert list(rows["status"]) == ["ok"] * 4, list(rows["error"])
    assert list(rows["predicted_class"]) == [CLASSES[0]] * 2 + [CLASSES[1]] * 2
    np.testing.assert_allclose(rows["proba_PLAIN"][0::2], rows["proba_PLAIN"][1::2], rtol=1e-6)


def test_fits_shards_keep_non_ascii_names_and_labels_and_empty_strings(tmp_path):
    rng = np.random.default_rng(6)
    labels = np.array(["Émission", "平坦"])
    wave = np.linspace(4000, 8000, 120)
    spectra = [Spectrum(flux=_flux(wave, CLASSES[k % 2], rng) * u.Jy, spectral_axis=wave * u.AA) for k in range(30)]
    model = make_pipeline(Resample(GRID), FluxNorm(),
                          DNNClassifier(hidden_units=(8,), max_epochs=5, lr=1e-2, random_state=0))
    model.fit(spectra, labels[np.arange(30) % 2])
    folder = tmp_path / "spéctres"
    folder.mkdir()
    for k in range(3):
        spectra[k].write(folder / f"étoile-{k}.fits", format="tabular-fits")
    (folder / "cassé.fits").write_text("not FITS")
    summary = predict_files(model, str(folder / "*.fits"), tmp_path / "out", output_format="fits", shard_size=2,
                            reader_format="tabular-fits", progress=False)
    assert summary.status_counts == {"ok": 3, "unreadable": 1}
    rows = read_predictions(tmp_path / "out")
    assert sorted(rows["id"]) == ["cassé", "étoile-0", "étoile-1", "étoile-2"]
    assert set(rows["predicted_class"][rows["status"] == "ok"]) <= set(labels)
    assert "proba_Émission" in rows.colnames
    assert list(rows["error"][rows["status"] == "ok"]) == ["", "", ""]  # empty, not masked
    assert not any(getattr(rows[name], "mask", None) is not None and rows[name].mask.any() for name in rows.colnames)


@pytest.mark.filterwarnings("ignore:Error validating header")  # astropy on the truncated FITS shard
@pytest.mark.parametrize("output_format", ["parquet", "fits", "ecsv"])
def test_a_damaged_shard_is_redone_on_resume(tmp_path, model_file, output_format):
    pattern = _many_files(tmp_path / "in", 12)
    kwargs = dict(shard_size=4, reader_format="tabular-fits", output_format=output_format, progress=False)
    predict_files(model_file, pattern, tmp_path / "job", **kwargs)
    expected = read_predictions(tmp_path / "job")
    shard = sorted((tmp_path / "job").glob("predictions-*"))[1]
    shard.write_bytes(shard.read_bytes()[: shard.stat().st_size // 2])  # truncated, as by a full disk
    with pytest.raises(ValueError, match="run the same predict_files job again"):
        read_predictions(tmp_path / "job")
    with pytest.warns(UserWarning, match="damaged"):
        summary = predict_files(model_file, pattern, tmp_path / "job", **kwargs)
    assert summary.n_resumed == 8 and sum(summary.status_counts.values()) == 4
    _rows_equal(read_predictions(tmp_path / "job"), expected, ignore=())


# -- hostile files and job folders: limits before allocation, only the job's own shards -------------

def test_a_decompression_bomb_and_a_fits_file_declaring_missing_data_get_unreadable_rows(tmp_path, model_file):
    import gzip
    import resource

    folder = tmp_path / "in"
    _many_files(folder, 3)  # two good files and a corrupt one
    with gzip.open(folder / "bomb.fits.gz", "wb", compresslevel=9) as handle:  # 17 kB that expand to 200 MB
        block = bytes(1 << 20)
        for _ in range(200):
            handle.write(block)
    good = sorted(folder.glob("*.fits"))[0]
    forged = bytearray(good.read_bytes())
    at = forged.index(b"NAXIS2  =", 2880)  # the table's row count: 10^8 rows in a file of a few kB
    forged[at + 10:at + 30] = b"%20d" % 10**8
    (folder / "forged.fits").write_bytes(bytes(forged))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    predict_files(model_file, str(folder / "*"), tmp_path / "out", reader_format="tabular-fits", progress=False)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    rows = read_predictions(tmp_path / "out")
    by_id = dict(zip(rows["id"], zip(rows["status"], rows["error"])))
    assert by_id["bomb"][0] == "unreadable" and "decompresses to more than 67,108,864 bytes" in by_id["bomb"][1]
    assert by_id["forged"][0] == "unreadable"
    assert "declares 1,600,000,000 bytes of data but the file holds only" in by_id["forged"][1]
    assert sorted(status for status, _ in by_id.values()).count("ok") == 2
    assert grown_mb < 150  # neither file was expanded or allocated whole
    limited = predict_paths(load_model(model_file), [str(good)], reader_format="tabular-fits", max_input_bytes=1000)
    assert list(limited["status"]) == ["unreadable"] and "max_input_bytes" in limited["error"][0]


def _finished_job(tmp_path, model_file, output_format="parquet", n=6):
    pattern = _many_files(tmp_path / "in", n)
    out = tmp_path / "job"
    predict_files(model_file, pattern, out, shard_size=2, output_format=output_format,
                  reader_format="tabular-fits", progress=False)
    return pattern, out


def test_merge_and_resume_read_only_the_jobs_own_shards(tmp_path, model_file):
    pattern, out = _finished_job(tmp_path, model_file)
    expected = read_predictions(out)
    assert len(expected) == 6
    outside = tmp_path / "outside.parquet"
    shutil.copy(out / "predictions-000000.parquet", outside)
    (out / "predictions-000099.parquet").symlink_to(outside)  # numbered beyond the job's 3 shards
    shutil.copy(out / "predictions-000001.parquet", out / "predictions-000007.parquet")
    (out / "predictions-000042.parquet").mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(outside, elsewhere / "part.parquet")
    (out / "predictions-000050.parquet").symlink_to(elsewhere, target_is_directory=True)  # pyarrow reads folders
    with pytest.warns(UserWarning, match="4 entries that are not shards of its job"):
        rows = read_predictions(out)
    _rows_equal(rows, expected)
    with pytest.warns(UserWarning):
        assert len(survey.merge_predictions(out, tmp_path / "catalogue.parquet")) == 6
    # A shard of the job replaced by a link to rows elsewhere, or by a folder: refused, then redone on resume.
    (out / "predictions-000002.parquet").unlink()
    (out / "predictions-000002.parquet").symlink_to(outside)
    with pytest.raises(ValueError, match="is a symbolic link or a folder"):
        read_predictions(out)
    with pytest.warns(UserWarning, match="symbolic link, not a shard this job wrote"):
        predict_files(model_file, pattern, out, shard_size=2, reader_format="tabular-fits", progress=False)
    assert outside.exists() and not (out / "predictions-000002.parquet").is_symlink()
    with pytest.warns(UserWarning):
        _rows_equal(read_predictions(out), expected)
    # The bookkeeping folder as a link to another job: refused.
    other = tmp_path / "other"
    shutil.copytree(out, other, symlinks=True)
    shutil.rmtree(other / "_job")
    (other / "_job").symlink_to(out / "_job")
    with pytest.raises(ValueError, match="symbolic link"):
        read_predictions(other)
    with pytest.raises(ValueError, match="symbolic link"):
        predict_files(model_file, pattern, other, shard_size=2, reader_format="tabular-fits", progress=False)


@pytest.mark.parametrize("output_format", ["parquet", "fits", "ecsv"])
def test_a_planted_shard_of_millions_of_rows_is_refused_before_its_rows_are_read(tmp_path, model_file,
                                                                                  output_format):
    import resource

    pattern, out = _finished_job(tmp_path, model_file, output_format)
    extension = {"parquet": ".parquet", "fits": ".fits", "ecsv": ".ecsv"}[output_format]
    shard = out / f"predictions-000001{extension}"
    if output_format == "parquet":  # 20 M constant rows compress to about a megabyte
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({"index": pa.array(np.zeros(20_000_000, dtype=np.int64))}), shard)
    elif output_format == "fits":  # the row count of the header, 10^8, in a file of a few kB
        data = bytearray(shard.read_bytes())
        at = data.index(b"NAXIS2  =", 2880)
        data[at + 10:at + 30] = b"%20d" % 10**8
        shard.write_bytes(bytes(data))
    else:
        with open(shard, "a") as handle:
            handle.writelines(f"{k} x x\n" for k in range(1000))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ValueError, match="cannot be read .*(holds 20,000,000 rows|declares|holds 1,002 rows)"):
        read_predictions(out)
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024 < 100
    with pytest.warns(UserWarning, match="damaged"):
        predict_files(model_file, pattern, out, shard_size=2, output_format=output_format,
                      reader_format="tabular-fits", progress=False)
    assert len(read_predictions(out)) == 6


JOB_DAMAGE = {
    "not JSON": lambda job: "{",
    "a list": lambda job: "[1, 2]",
    "deep nesting": lambda job: "[" * 100_000 + "]" * 100_000,
    "missing key": lambda job: json.dumps({k: v for k, v in job.items() if k != "shard_size"}),
    "wrong type": lambda job: json.dumps({**job, "n_inputs": "6"}),
    "path as format": lambda job: json.dumps({**job, "output_format": "../../etc"}),
    "zero shard size": lambda job: json.dumps({**job, "shard_size": 0}),
    "unknown key": lambda job: json.dumps({**job, "output": "/etc"}),
    "huge": lambda job: json.dumps({**job, "padding": "x" * 100_000}),
}


@pytest.mark.parametrize("damage", list(JOB_DAMAGE))
def test_a_malformed_job_description_is_one_line_and_exit_status_2(tmp_path, model_file, damage, capsys):
    pattern, out = _finished_job(tmp_path, model_file)
    job_file = out / "_job" / "job.json"
    job_file.write_text(JOB_DAMAGE[damage](json.loads(job_file.read_text())))
    with pytest.raises(ValueError, match="is not a valid job description"):
        read_predictions(out)
    assert cli.main(["merge", str(out), str(tmp_path / "c.fits")]) == 2
    assert cli.main(["predict", str(model_file), pattern, "--output", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all("is not a valid job description" in line for line in err), err


def test_command_line_arguments_are_checked_before_any_work(tmp_path, model_file, capsys):
    pattern = _many_files(tmp_path / "in", 2)
    common = ["predict", str(model_file), pattern, "--no-progress"]
    with pytest.raises(SystemExit) as exit_info:
        cli.main([*common, "--output", str(tmp_path / "a"), "--engine", "dask", "--workers", "-3"])
    assert exit_info.value.code == 2 and "must be at least 1" in capsys.readouterr().err
    assert cli.main([*common, "--output", str(tmp_path / "b"), "--reader", "bogus"]) == 2
    err = capsys.readouterr().err
    assert "'bogus' is not a specutils format" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "b").exists()  # refused before the job started
    (tmp_path / "file").write_text("")
    assert cli.main([*common, "--output", str(tmp_path / "file")]) == 2
    assert "is a file" in capsys.readouterr().err
    with pytest.raises(ValueError, match="n_workers must be a positive integer"):
        predict_files(model_file, pattern, tmp_path / "c", engine="dask", n_workers=0)
    from astrospecml.io import MAX_INPUT_BYTES

    with pytest.raises(SystemExit):
        cli.main(["predict", "--help"])
    assert f"default: {MAX_INPUT_BYTES}," in capsys.readouterr().out.replace("\n", " ").replace("  ", " ")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_asking_for_a_gpu_that_is_not_there_blames_the_machine_not_the_model_file(tmp_path, model_file, capsys):
    pattern = _many_files(tmp_path / "in", 2)
    assert cli.main(["predict", str(model_file), pattern, "--output", str(tmp_path / "out"), "--device", "cuda",
                     "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "finds no CUDA GPU" in err and "malformed" not in err
    with pytest.raises(ValueError, match="finds no CUDA GPU"):
        load_model(model_file, device="cuda")


def test_the_rate_printed_leaves_out_the_start_up(tmp_path, model_file, capsys):
    summary = predict_files(model_file, _many_files(tmp_path / "in", 6), tmp_path / "out", progress=False)
    assert 0 < summary.startup_seconds < summary.seconds
    assert summary.files_per_second == pytest.approx(6 / (summary.seconds - summary.startup_seconds))
    assert cli.main(["predict", str(model_file), _many_files(tmp_path / "in2", 3), "--output", str(tmp_path / "o2"),
                     "--no-progress"]) == 0
    assert "s of start-up" in capsys.readouterr().out


@pytest.mark.parametrize("error", [(28, "No space left on device"), (30, "Read-only file system")])
def test_a_full_or_read_only_disk_is_one_line_exit_1_and_the_job_resumes(tmp_path, model_file, monkeypatch, capsys,
                                                                        error):
    from astrospecml.survey import shards

    pattern = _many_files(tmp_path / "in", 6)
    out = tmp_path / "out"
    write = shards.write_shard
    calls = []

    def failing_write(table, path, output_format):
        calls.append(path)
        if len(calls) == 2:
            raise OSError(error[0], error[1], str(path))
        return write(table, path, output_format)

    monkeypatch.setattr(shards, "write_shard", failing_write)
    arguments = ["predict", str(model_file), pattern, "--output", str(out), "--shard-size", "2", "--no-progress",
                 "--reader", "tabular-fits"]
    assert cli.main(arguments) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and error[1] in err[0] and "run the same command again to resume" in err[0]
    monkeypatch.setattr(shards, "write_shard", write)
    assert cli.main(arguments) == 0
    assert "1 done by an earlier run" not in capsys.readouterr().out
    assert len(read_predictions(out)) == 6


@pytest.mark.parametrize("reader_format", [None, "LAMOST-LRS"])
def test_a_shard_predicts_as_the_model_does_spectrum_by_spectrum_on_what_it_read(tmp_path, model_file, reader_format):
    """The shard's one batch of arrays gives each file the probabilities its own spectrum gets through the model.

    Named LAMOST files are read as arrays, without a Spectrum built; the others through ``Spectrum.read``.
    """
    from astrospecml.survey.reading import _fill_edges

    rng = np.random.default_rng(3)
    log_wave = 10 ** (3.6 + 1e-4 * np.arange(3100))
    paths = []
    for i, kind in enumerate(CLASSES[np.arange(6) % 2]):
        path = tmp_path / f"spec-{i}.fits"
        flux = _flux(log_wave, kind, rng)
        flux[:40 * i] = np.nan  # blue ends the reader masks and the shard fills
        write_lamost_lrs(Spectrum(flux=flux * u.Jy, spectral_axis=log_wave * u.AA), path,
                         layout="table" if i % 2 else "image")
        paths.append(str(path))
    model = load_model(model_file)
    rows = predict_paths(model, paths, reader_format=reader_format)
    assert set(rows["status"]) == {"ok"}
    for i, path in enumerate(paths):
        spectrum = _fill_edges(Resample(GRID).fit_transform([Spectrum.read(path, format="LAMOST-LRS")])[0])
        expected = [spectrum]
        for step in model[:-1]:  # each step handed Spectrum objects, as before shards were one batch
            expected = list(step.transform(expected))
        proba = model[-1].predict_proba(expected)[0]  # one spectrum, not six: float32 sums in another order
        np.testing.assert_allclose([rows[f"proba_{c}"][i] for c in CLASSES], proba, rtol=0, atol=1e-6)


@pytest.mark.parametrize("layout", ["image", "table"])
def test_a_lamost_file_read_as_arrays_holds_what_its_spectrum_holds(tmp_path, layout):
    """The survey's array reading of a LAMOST file gives the values, mask, uncertainty and header of Spectrum.read."""
    from astrospecml.io.convert import _stddev
    from astrospecml.survey.reading import _read_file

    log_wave = 10 ** (3.6 + 1e-4 * np.arange(300))
    flux = np.linspace(1, 2, 300)
    flux[:5] = np.nan
    sigma = np.full(300, 0.1)
    sigma[10:20] = np.inf  # no data: zero inverse variance in the file
    spectrum = Spectrum(flux=flux * u.Jy, spectral_axis=log_wave * u.AA, uncertainty=StdDevUncertainty(sigma),
                        mask=np.arange(300) % 50 == 7)
    path = tmp_path / "spec.fits"
    write_lamost_lrs(spectrum, path, layout=layout, header={"OBSID": 12345, "RA": 10.5, "SUBCLASS": "K5"})
    expected = Spectrum.read(path, format="LAMOST-LRS")
    read = _read_file(str(path), "LAMOST-LRS")
    np.testing.assert_array_equal(read.spectral_axis, expected.spectral_axis)
    np.testing.assert_array_equal(read.flux, expected.data)
    np.testing.assert_array_equal(read.mask, expected.mask)
    np.testing.assert_array_equal(read.sigma, _stddev(expected.uncertainty))
    assert read.unit == expected.unit
    assert read.mask[:5].all() and read.mask[10:20].all() and read.mask[57]
    for key in ("OBSID", "RA", "SUBCLASS", "wavelength_medium"):
        assert read.meta[key] == expected.meta[key]


@pytest.mark.parametrize("reader_format", [None, "LAMOST-LRS"])
def test_a_lamost_file_with_unordered_or_mismatched_wavelengths_gets_an_unreadable_row(tmp_path, model_file,
                                                                                       reader_format):
    """Read as arrays or as a Spectrum, a damaged table is refused in its row, never resampled into nonsense."""
    log_wave = 10 ** (3.6 + 1e-4 * np.arange(3100))
    paths = []
    for name, damage in (("shuffled", lambda w: w[np.random.default_rng(0).permutation(len(w))]),
                         ("nan", lambda w: np.where(np.arange(len(w)) == 50, np.nan, w))):
        path = tmp_path / f"{name}.fits"
        write_lamost_lrs(Spectrum(flux=_flux(log_wave, CLASSES[0], np.random.default_rng(1)) * u.Jy,
                                  spectral_axis=log_wave * u.AA), path, layout="table")
        with fits.open(path, mode="update") as hdus:
            hdus[1].data["WAVELENGTH"][0] = damage(np.array(hdus[1].data["WAVELENGTH"][0]))
        paths.append(str(path))
    rows = predict_paths(load_model(model_file), paths, reader_format=reader_format)
    assert list(rows["status"]) == ["unreadable", "unreadable"]
    if reader_format:
        assert all("strictly increasing or decreasing" in error for error in rows["error"])
