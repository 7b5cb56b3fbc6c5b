/**
 * SHA-256 (as `hashKey` computes it) of every agent key that has been written out in this
 * repository: the example policy's placeholders, and keys once written literally in tests and
 * benchmarks. Anyone can read them, so a policy that accepts one is open to everyone.
 */
export const PUBLIC_KEY_HASHES: ReadonlySet<string> = new Set([
  "078f5c04465269ffdd6091df6483e6735451263550b8a8ed07f887813579047a",
  "96fbcef91da73b124a0144f02d2e52d72cc0c9e6566720717c870cfdb65ccb42",
  "96fd6d09c382ef1c573d810bece7adb298a766e4e65b66e990f04feddd47926e",
  "4f30a96642e1a42cfdba495b8861098e7b62d780b7faf3a76173a7e4e83649d1",
  "a978331a67389d01d6c76e0220d8eeaf2daa40b97102a1c60be6d2971713cf5a",
  "f7a69cb38b1629b227f40955122c97cf2f33774a3b957c0bfa1ad558e44e0047",
  "7c4748a63069e8592b76e963d3880572e4a9e90211e5581204ec34d948e6c567",
  "bf22ccee6bcf4b8e0bd66a2b0e330300573eb7aceff163dd6642f010effe48ed",
  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  "8254c329a92850f6d539dd376f4816ee2764517da5e0235514af433164480d7a",
]);
