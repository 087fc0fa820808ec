"""MAC-Net and its baselines: the networks, the input each classifier takes, and multimodal model selection."""
import datetime
import pickle

import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from skorch.helper import SliceDict

from astrospecml.classifiers import (
    CNetClassifier,
    MACNetClassifier,
    MCNetClassifier,
    MNetClassifier,
    SSCNN1DClassifier,
)
from astrospecml.nn import CBAM, ImageBranch, MACNet, SpectrumBranch
from astrospecml.preprocessing import PerArm, StripeSlicer, ZScore

TINY = dict(channels=(4, 4, 4, 4), kernel_size=(3, 5), dropout=0.0, hidden_units=(16,), stem_channels=(4, 4, 8),
            inception_channels=(2, 2, 4, 2, 2, 2), batch_size=16, lr=3e-3, max_epochs=25, random_state=0)


def multimodal(n=60, seed=0, signal="image"):
    """Two arms of stripes, a 1D spectrum and a cut-out; class 1 differs in one modality only."""
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1], n // 2)
    X = {"blue": rng.normal(size=(n, 7, 40)), "red": rng.normal(size=(n, 7, 40)),
         "spectrum": rng.normal(size=(n, 80)), "image": rng.normal(size=(n, 16, 16, 3)) * 0.3}
    if signal == "image":
        X["image"][y == 1, 6:10, 6:10, 0] += 2.0
    elif signal == "red":
        X["red"][y == 1, 2:5, 20:28] += 2.0
    else:
        X["spectrum"][y == 1, 50:60] += 2.0
    return SliceDict(**{k: v.astype(np.float32) for k, v in X.items()}), y


def test_paper_sizes_give_the_papers_flattened_features():
    assert SpectrumBranch((11, 2000)).out_features == 8000  # Table 2: Flatten 1 x 8000 per arm
    assert ImageBranch((64, 64, 3)).out_features == 4096  # Flatten 1 x 4096
    net = MACNet(3, {"blue": (11, 2000), "red": (11, 2000), "image": (64, 64, 3)})
    assert net.head[0].in_features == 20096  # Concatenate 1 x 20096
    assert [m.out_features for m in net.head if isinstance(m, torch.nn.Linear)] == [4096, 1024, 3]


def test_cbam_sits_after_the_third_block_only_when_asked():
    with_attention = SpectrumBranch((11, 100), channels=(4, 4, 4, 4), attention=True)
    without = SpectrumBranch((11, 100), channels=(4, 4, 4, 4))
    assert [any(isinstance(m, CBAM) for m in p.modules()) for p in with_attention.pools] == [False, False, True,
                                                                                             False]
    assert not any(isinstance(m, CBAM) for m in without.modules())


def test_cbam_weights_channels_and_positions_between_zero_and_one():
    block = CBAM(8, (1, 30), reduction=2)
    x = torch.randn(3, 8, 1, 30)
    channel = block.channel.weights(x)
    spatial = block.spatial.weights(block.channel(x))
    assert channel.shape == (3, 8) and spatial.shape == (3, 1, 1, 30)
    assert 0 < channel.min() and channel.max() < 1 and 0 < spatial.min() and spatial.max() < 1
    # The output is the input re-weighted, never amplified.
    assert torch.all(block(x).abs() <= x.abs() + 1e-6)


def test_network_routes_each_arm_to_its_branch_by_shape():
    net = MACNet(2, {"spectrum": (80,), "blue": (7, 40), "image": (16, 16, 3)}, channels=(2, 2, 2, 2),
                 stem_channels=(2, 2, 4), inception_channels=(1, 1, 1, 1, 1, 1), hidden_units=(8,))
    branches = net.arms.branches
    assert isinstance(branches["image"], ImageBranch)
    assert branches["spectrum"].blocks[0][1].kernel_size == (1, 20)
    assert branches["blue"].blocks[0][1].kernel_size == (3, 20)
    with pytest.raises(ValueError, match="cut-outs"):
        MACNet(2, {"cube": (2, 3, 4, 5)})


@pytest.mark.parametrize("signal, classifier, arms", [
    ("image", MACNetClassifier, ("blue", "red", "image")),
    ("red", MACNetClassifier, ("blue", "red", "image")),
    ("image", MCNetClassifier, ("blue", "red", "image")),
    ("red", CNetClassifier, ("blue", "red")),
    ("image", MNetClassifier, ("spectrum", "image")),
    ("spectrum", MNetClassifier, ("spectrum", "image")),
])
def test_each_network_learns_a_feature_of_any_of_its_modalities(signal, classifier, arms):
    X, y = multimodal(signal=signal)
    params = {k: v for k, v in TINY.items() if k in classifier().get_params()}
    if classifier is MNetClassifier:
        params["kernel_size"] = 5
    clf = classifier(**params).fit(SliceDict(**{a: X[a] for a in arms}), y)
    X_test, y_test = multimodal(seed=1, signal=signal)
    assert clf.score(SliceDict(**{a: X_test[a] for a in arms}), y_test) > 0.85


def test_sscnn_on_spectra():
    X, y = multimodal(signal="spectrum")
    clf = SSCNN1DClassifier(channels=(4, 4, 4, 4), kernel_size=5, dropout=0.0, hidden_units=(16,), lr=3e-3,
                            max_epochs=25, random_state=0).fit(X["spectrum"], y)
    X_test, y_test = multimodal(seed=1, signal="spectrum")
    assert clf.score(X_test["spectrum"], y_test) > 0.85
    with pytest.raises(ValueError, match="takes one input"):
        clf.fit({"spectrum": X["spectrum"], "image": X["image"]}, y)
    with pytest.raises(ValueError, match="1D spectra"):
        clf.fit(X["blue"], y)


def test_each_classifier_refuses_inputs_its_network_is_not_defined_on():
    X, y = multimodal()
    tiny = dict(max_epochs=1, channels=(2, 2, 2, 2), hidden_units=(4,))
    with pytest.raises(ValueError, match="CNetClassifier does not take images"):
        CNetClassifier(**tiny).fit({"blue": X["blue"], "image": X["image"]}, y)
    with pytest.raises(ValueError, match="needs images"):
        MACNetClassifier(**tiny).fit({"blue": X["blue"], "red": X["red"]}, y)
    with pytest.raises(ValueError, match="does not take stripes"):
        MNetClassifier(**tiny).fit({"blue": X["blue"], "image": X["image"]}, y)
    with pytest.raises(ValueError, match="NaN"):
        bad = X["image"].copy()
        bad[3, 0, 0, 0] = np.nan
        MCNetClassifier(**tiny).fit({"blue": X["blue"], "image": bad}, y)


def test_multimodal_pipeline_in_grid_search_and_cross_validation():
    X, y = multimodal(n=48, signal="red")
    X = SliceDict(blue=X["blue"], red=X["red"], image=X["image"])
    pipeline = make_pipeline(
        PerArm({"blue": StripeSlicer(n_rows=5), "red": StripeSlicer(n_rows=5), "image": "passthrough"}),
        MACNetClassifier(**{**TINY, "max_epochs": 20}))
    search = GridSearchCV(pipeline, {"perarm__red__window": [(0, 20), (16, 36)]},
                          cv=StratifiedKFold(2, shuffle=True, random_state=0)).fit(X, y)
    # The planted feature is at pixels 20-28: only the second window sees it.
    assert search.best_params_ == {"perarm__red__window": (16, 36)}
    scores = cross_val_score(make_pipeline(PerArm({"blue": ZScore(), "red": ZScore(), "image": "passthrough"}),
                                           MCNetClassifier(**{**TINY, "max_epochs": 3})), X, y, cv=2)
    assert scores.shape == (2,)


def test_adagrad_and_class_weights_as_in_the_paper_and_both_saves_round_trip(tmp_path):
    X, y = multimodal()
    labels = np.where(y == 1, "QSO", "GALAXY")
    clf = MACNetClassifier(**{**TINY, "max_epochs": 3, "optimizer": "adagrad"},
                           class_weight={"GALAXY": 1, "QSO": 3}).fit({"blue": X["blue"], "red": X["red"],
                                                                     "image": X["image"]}, labels)
    assert isinstance(clf.net_.optimizer_, torch.optim.Adagrad)
    np.testing.assert_allclose(clf.net_.criterion_.cross_entropy.weight.numpy(), [1.0, 3.0])
    inputs = {"blue": X["blue"], "red": X["red"], "image": X["image"]}
    path = tmp_path / "macnet.pt"
    clf.save(path)
    np.testing.assert_array_equal(MACNetClassifier.load(path).predict_proba(inputs), clf.predict_proba(inputs))
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(clf)).predict_proba(inputs), clf.predict_proba(inputs))
    with pytest.raises(ValueError, match="fitted on"):
        clf.predict({"blue": X["blue"], "red": X["red"], "image": X["image"][:, :8, :8]})


def test_tiny_macnet_benchmark_writes_tables_figures_and_a_verdict(tmp_path):
    import json
    from dataclasses import replace

    from astrospecml.benchmarks import MACNET_PROFILES, run_benchmark

    tiny = replace(MACNET_PROFILES["quick"], n_optical={"GALAXY": 10, "QSO": 5, "STAR": 10}, max_spex=30,
                   max_epochs=1, network=dict(channels=(2, 2, 2, 2), hidden_units=(8,), stem_channels=(2, 2, 4),
                                              inception_channels=(1, 1, 1, 1, 1, 1), dropout=0.0), seeds=(0, 1))
    report = run_benchmark("macnet", tmp_path, profile=tiny, verbose=False)
    assert set(report["tasks"]) == {"optical", "spex"}
    results = report["tasks"]["spex"]["runs"][0]
    assert list(results) == ["1D SSCNN", "M-Net", "C-Net", "MC-Net", "MAC-Net"]
    assert set(results["MAC-Net"]["per_class"]) == {"M", "L", "T"}
    # The requested class counts, all of them in the data.
    assert report["tasks"]["optical"]["classes"] == {"GALAXY": 10, "QSO": 5, "STAR": 10}
    text = (tmp_path / "report.md").read_text()
    assert "Does the paper's ordering hold?" in text and "MAC-Net - MC-Net (CBAM)" in text
    # Two splits: each of the paper's pairs is also judged over the splits, with the corrected interval.
    assert [c["n_splits"] for c in report["tasks"]["spex"]["repeated"]] == [2, 2, 2, 2]
    assert "- MAC-Net - MC-Net (CBAM), mean over 2 splits:" in text and "[95% corrected resampled t" in text
    assert text.count("### Accuracy over 2 source-disjoint splits") == 2
    assert "## How faithful is this test" in text and "| MAC-Net | 360 M | 88.3 M |" in text
    assert f"Run on {datetime.datetime.now(datetime.timezone.utc).date().isoformat()}, profile" in text
    for name in ("optical_confusion.png", "optical_grad_cam.png", "spex_grad_cam.png", "spex_examples.png"):
        assert (tmp_path / name).stat().st_size > 0
    saved = json.loads((tmp_path / "results.json").read_text())
    assert "correct" not in saved["tasks"]["optical"]["runs"]["0"]["MAC-Net"]


def test_the_full_macnet_profile_trains_the_papers_widths_on_the_papers_shapes_and_quick_narrower_ones():
    from dataclasses import replace

    from astrospecml.benchmarks.macnet.run import (
        MACNET_MODELS,
        MACNET_PROFILES,
        PAPER_SHAPES,
        _pipeline,
        paper_shape_parameters,
        prepare_optical_multimodal,
    )

    full = MACNET_PROFILES["full"]
    # The full profile's stripes are the paper's 11 x 2000 pixels per arm, its spectra 4000, its cut-outs 64 x 64 x 3.
    data = prepare_optical_multimodal(replace(full, n_optical={"GALAXY": 1, "QSO": 1, "STAR": 1}))
    assert {arm: data.X[arm].shape[1:] for arm in PAPER_SHAPES} == PAPER_SHAPES
    # Its networks: the classifiers' defaults, the widths of the paper's Table 5 (70-88 M parameters here).
    for name, (classifier, _) in MACNET_MODELS.items():
        model = _pipeline(name, full, None, 0, "cuda")[-1]
        assert model.get_params()["channels"] == classifier().get_params()["channels"] == (128, 64, 64, 64)
        assert model.device == "cuda"
    assert paper_shape_parameters("full") == paper_shape_parameters()
    assert min(paper_shape_parameters("full").values()) > 70_000_000
    assert max(paper_shape_parameters("quick").values()) < 5_000_000
