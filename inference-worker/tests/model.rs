//! The real digit models through the worker's tch backend: the accuracy the
//! export script reported, and canonical outputs equal to Python's argmax.

mod common;

use dropbear_primitives::{AgreementPolicy, DType, InputSpec, Output};
use dropbear_worker::{
	backend::Backend,
	tch_backend::{Precision, Preprocess, RunOptions, TchBackend},
	versions::ModelFiles,
};

fn digits_spec() -> InputSpec {
	InputSpec { dtype: DType::F32, shape: vec![1, 8, 8].try_into().unwrap() }
}

#[test]
fn each_digit_model_classifies_the_held_out_set_with_the_reported_accuracy() {
	let manifest = common::manifest();
	let (inputs, labels) = common::test_set();
	let models = manifest["models"].as_array().expect("models in the manifest");
	assert!(models.len() >= 4, "at least four digit models");
	for m in models {
		let path = common::models_dir().join(m["file"].as_str().unwrap());
		let mut backend = TchBackend::load(&path, tch::Device::Cpu, &digits_spec(), 10)
			.unwrap_or_else(|e| panic!("loading {}: {e:#}", path.display()));
		let mut correct = 0usize;
		for (chunk, chunk_labels) in inputs.chunks(64).zip(labels.chunks(64)) {
			let refs: Vec<&[u8]> = chunk.iter().map(|v| v.as_slice()).collect();
			let scores = backend.infer(&refs).unwrap();
			for (s, label) in scores.iter().zip(chunk_labels) {
				if AgreementPolicy::Top1.output_of_scores(s)
					== Some(Output::Label(u32::from(*label)))
				{
					correct += 1;
				}
			}
		}
		let accuracy = correct as f64 / labels.len() as f64;
		let reported = m["test_accuracy"].as_f64().unwrap();
		assert!(
			(accuracy - reported).abs() < 0.5 / labels.len() as f64,
			"{}: {accuracy} here, {reported} in Python",
			m["name"]
		);
	}
}

#[test]
fn a_batch_gives_the_same_scores_as_one_input_at_a_time() {
	let (inputs, _) = common::test_set();
	let path = common::models_dir().join("digits-cnn-small.pt");
	let mut backend = TchBackend::load(&path, tch::Device::Cpu, &digits_spec(), 10).unwrap();
	let refs: Vec<&[u8]> = inputs.iter().take(16).map(|v| v.as_slice()).collect();
	let batched = backend.infer(&refs).unwrap();
	for (i, input) in refs.iter().enumerate() {
		let single = backend.infer(&[input]).unwrap();
		for (a, b) in single[0].iter().zip(&batched[i]) {
			assert!((a - b).abs() < 1e-4, "input {i}: {a} alone, {b} in a batch");
		}
	}
}

#[test]
fn wrong_inputs_and_bad_files_are_errors_not_crashes() {
	let path = common::models_dir().join("digits-mlp.pt");
	let mut backend = TchBackend::load(&path, tch::Device::Cpu, &digits_spec(), 10).unwrap();
	let err = backend.infer(&[&[0u8; 10]]).unwrap_err();
	assert!(err.to_string().contains("has 10 bytes"), "{err:#}");

	let dir = tempfile::tempdir().unwrap();
	let junk = dir.path().join("junk.pt");
	std::fs::write(&junk, b"not a model").unwrap();
	let err =
		TchBackend::load(&junk, tch::Device::Cpu, &digits_spec(), 10).err().expect("junk refused");
	assert!(format!("{err:#}").contains("loading model"), "{err:#}");

	// A model whose output is not [N, 10] for this spec is refused at load.
	let err = TchBackend::load(&path, tch::Device::Cpu, &digits_spec(), 1000)
		.err()
		.expect("wrong classes");
	assert!(format!("{err:#}").contains("expected [1, 1000]"), "{err:#}");
}

/// u8 images become normalised f32 on the device: the near-free ImageNet
/// model's first three scores are its input's channel means.
#[test]
fn u8_images_are_scaled_and_normalised_on_the_device() {
	let path = common::models_dir().join("imagenet-free.pt");
	let u8_images = InputSpec { dtype: DType::U8, shape: vec![3, 224, 224].try_into().unwrap() };
	let mut backend =
		TchBackend::load_with(&path, tch::Device::Cpu, &u8_images, 1000, imagenet()).unwrap();
	let plane = 224 * 224;
	let image = |rgb: [u8; 3]| -> Vec<u8> { rgb.iter().flat_map(|c| vec![*c; plane]).collect() };
	let (ca, cb) = ([255u8, 0, 128], [10u8, 200, 77]);
	let (a, b) = (image(ca), image(cb));
	let (mean, std) = ([0.485f32, 0.456, 0.406], [0.229f32, 0.224, 0.225]);
	// Batches grow and shrink: the buffers kept between them hold the last
	// batch's data beyond this one's end, which must never be read.
	let batches: [Vec<[u8; 3]>; 4] = [vec![ca, cb], vec![cb], vec![cb, ca, cb], vec![ca]];
	for colours in batches {
		let images: Vec<Vec<u8>> = colours.iter().map(|c| image(*c)).collect();
		let refs: Vec<&[u8]> = images.iter().map(Vec::as_slice).collect();
		let scores = backend.infer(&refs).unwrap();
		assert_eq!(scores.len(), colours.len());
		for (scores, rgb) in scores.iter().zip(&colours) {
			assert_eq!(scores.len(), 1000);
			for c in 0..3 {
				let want = (f32::from(rgb[c]) / 255.0 - mean[c]) / std[c];
				assert!((scores[c] - want).abs() < 1e-4, "channel {c}: {} vs {want}", scores[c]);
			}
			assert!(scores[3..].iter().all(|s| *s == 0.0));
		}
	}
	// An image of another size is refused, and the backend keeps serving.
	let err = backend.infer(&[&a[..100]]).unwrap_err();
	assert!(err.to_string().contains("has 100 bytes"), "{err:#}");
	assert!(backend.infer(&[&b]).is_ok());

	// Normalising is for u8 images [3, H, W]; a digits group's f32 input is refused at load.
	let err = TchBackend::load_with(
		&common::models_dir().join("digits-mlp.pt"),
		tch::Device::Cpu,
		&digits_spec(),
		10,
		imagenet(),
	)
	.err()
	.expect("preprocessing an f32 input refused");
	assert!(format!("{err:#}").contains("--preprocess imagenet takes u8 images"), "{err:#}");
}

fn imagenet() -> RunOptions {
	RunOptions { preprocess: Preprocess::Imagenet, ..RunOptions::default() }
}

/// Channels-last moves a convolution model's weights and inputs to NHWC in
/// memory and changes no score; bf16 changes them only by its rounding.
#[test]
fn channels_last_and_bf16_keep_the_models_answers() {
	let path = common::models_dir().join("digits-cnn-wide.pt");
	let (inputs, labels) = common::test_set();
	let refs: Vec<&[u8]> = inputs.iter().take(64).map(|d| d.as_slice()).collect();
	let scores = |options: RunOptions| {
		TchBackend::load_with(&path, tch::Device::Cpu, &digits_spec(), 10, options)
			.unwrap()
			.infer(&refs)
			.unwrap()
	};
	let plain = scores(RunOptions::default());
	let nhwc = scores(RunOptions { channels_last: true, ..RunOptions::default() });
	for (a, b) in plain.iter().flatten().zip(nhwc.iter().flatten()) {
		assert!((a - b).abs() < 1e-4, "channels-last changed a score: {a} vs {b}");
	}
	let bf16 = scores(RunOptions {
		precision: Precision::Bf16,
		channels_last: true,
		..RunOptions::default()
	});
	let argmax = |s: &Vec<f32>| (0..s.len()).max_by(|&i, &j| s[i].total_cmp(&s[j])).unwrap();
	let agree = plain.iter().zip(&bf16).filter(|(a, b)| argmax(a) == argmax(b)).count();
	let correct = bf16.iter().zip(&labels).filter(|(s, l)| argmax(s) == **l as usize).count();
	// bf16 keeps 8 bits of mantissa: a label can flip only where two scores
	// were within its rounding of each other.
	assert!(agree >= 62, "bf16 kept {agree} of 64 labels");
	assert!(correct >= 58, "bf16 classified {correct} of 64 held-out digits");
}

#[test]
fn model_files_are_found_by_the_digest_the_chain_commits_to() {
	let manifest = common::manifest();
	let files: Vec<_> = manifest["models"]
		.as_array()
		.unwrap()
		.iter()
		.map(|m| common::models_dir().join(m["file"].as_str().unwrap()))
		.collect();
	let found = ModelFiles::read(&files).unwrap();
	for m in manifest["models"].as_array().unwrap() {
		let digest: [u8; 32] =
			hex::decode(m["blake2_256"].as_str().unwrap()).unwrap().try_into().unwrap();
		assert_eq!(found.path(&digest).unwrap().file_name().unwrap(), m["file"].as_str().unwrap());
	}
	assert!(found.path(&[0u8; 32]).is_none(), "no file for a digest nobody has");
}

#[test]
fn files_dropped_into_the_model_dir_are_found_without_a_restart() {
	let dir = tempfile::tempdir().unwrap();
	let mut files = ModelFiles::new(&[], Some(dir.path())).unwrap();
	let (a, b) = (b"weights a".to_vec(), b"weights b".to_vec());
	let (da, db) =
		(dropbear_worker::inputs::input_hash(&a), dropbear_worker::inputs::input_hash(&b));
	assert!(files.find(&da).is_none(), "an empty directory");
	std::fs::write(dir.path().join("next.pt"), &a).unwrap();
	std::fs::write(dir.path().join("notes.txt"), &b).unwrap();
	assert_eq!(files.find(&da), Some(dir.path().join("next.pt")));
	assert!(files.find(&db).is_none(), "only .pt files are weights");
	// The same file rewritten with other weights answers for them only.
	std::fs::write(dir.path().join("next.pt"), b"other weights, longer").unwrap();
	let other = dropbear_worker::inputs::input_hash(b"other weights, longer");
	assert_eq!(files.find(&other), Some(dir.path().join("next.pt")));
	assert!(files.find(&da).is_none(), "the old digest no longer has a file");
	assert!(ModelFiles::new(&[], Some(&dir.path().join("missing"))).is_err());
}

#[test]
fn info_reports_cuda_availability() {
	let info = dropbear_worker::tch_backend::torch_info();
	assert!(info.contains("cuda available: "), "{info}");
}
