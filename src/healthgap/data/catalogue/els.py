"""ONS Explore Local Statistics: one catalogue entry per indicator file (issue 15)."""

from __future__ import annotations

from healthgap.data.catalogue.dataset import Dataset
from healthgap.data.catalogue.publishers import (
    _ELS,
    _ELS_COMMIT,
    OGL,
    OGL_ATTRIBUTION,
    ONS,
    _raw_github,
)
from healthgap.data.sources import els

_ELS_FILES: tuple[tuple[str, str, str, int], ...] = (
    # (stem, CSV SHA-256, JSON SHA-256, records)
    (
        "average-travel-time",
        "da716822ac407f0dd51c051df3b336341be3e9dd9f3cf581b47eb1123259000e",
        "7afdddede283e4d82221cbf9b8b141607aece71531967e64f142889d57e11de3",
        5565,
    ),
    (
        "cancer-diagnosis-at-stage-1-and-2",
        "0f34ff749f49db09652ad36bb6b62a297613c57c570f478150a37150b459e5fb",
        "ea70c98f45de518cb1e8bfbd26602885bc1712ec55e69d79b398e02758ea060e",
        3360,
    ),
    (
        "children-in-relative-poverty",
        "46f53d5ed5bc8740923e2b5ca7d13d64bbb28516a532c7f8300b523a044e6eb6",
        "d97f46bd349c0bd637d928ad640e59ac941c332a759d605994a690461bd0e828",
        2472,
    ),
    (
        "cigarette-smokers",
        "54d7dbbfc43eed9ab8f05d876882758d0e9f17bc612044ffe6dbd48de23c3387",
        "de5c1765a71ed41e9afa3a4301472b07c016a15944a6e291f1000ebfc9d72807",
        756,
    ),
    (
        "claimant-count",
        "8e4b5d94cbae6090318ac18c5669c792aa9a1edf432a010b65e9435de2ffee2d",
        "d1f062153f095982e412fb76a259b0911253a3e72c822493c5cf4c416ebe4f10",
        10325,
    ),
    (
        "early-years",
        "6c7b46f6c04c7aa2643b651a9477fc745c10f6d3b7d7b711e271b2fc6976d961",
        "76eb6e16e87404e02fb107b3440dc428af5d155f22a064fe19cfb0da3089dbe8",
        4257,
    ),
    (
        "employment-rate",
        "ce716dd803b332f7181b4da53b2f1150db3d1aba79d94b5ce7a4cf7f66960e7d",
        "b549fa8ced9ec2be7684e220c608b9f47f4a85fe9f4d5b51454dc9cba434eaa4",
        16080,
    ),
    (
        "engagement-with-culture-and-heritage",
        "8fa6350c43f1712be52c264168f3f8375347d08f7caf1c1f91c24810b920783a",
        "68851e4ad0417aeddd2ed121d589a6921fdcfd89812c88cf887864dc602b3a5e",
        1396,
    ),
    (
        "food-outlets",
        "90880d180370294c10c2fff984c93e2072e7407f8e28575a3cd15c321dff106a",
        "b76e20fd1d4a02e3ba007fd660693e05effb63088d0947ebca20496ea5af8d40",
        6608,
    ),
    (
        "further-education-and-skills-learner-achievements",
        "c9e7cdc7fd92e50bcf404b66d6fd77dab528595fd872f4b996eee6e2ca3f5ad0",
        "5667cebd74247948f41437e0c1e23b6cc04ff48d64c4501a2e60236fad924d22",
        2084,
    ),
    (
        "further-education-and-skills-participation",
        "df23c8f611b505aa4a39c9c896447fa81e517d811df78dd34e8c448aabc98d22",
        "64c5cfa216b72e8d80b7737744068540aae24743d154dfcbfb90f9e36f54d9c4",
        2084,
    ),
    (
        "gcses-in-english-and-maths",
        "f3b4c9393e60fdba58d2b919d2055871501c65de9588daeed046fa337ff554fa",
        "95a89e67b5650b62144c8603c7deccc154a1474b0ba8fcfed97b32650e8897c1",
        3387,
    ),
    (
        "gross-disposable-household-income-per-head",
        "bdc0a5b12185dcf7669492cb4555559be74d4da0099c4b65692f0476e13da4a0",
        "1ec95520200b45b1c76a020bc620637e3c36955bf6197559545341ff5b3daa2a",
        17442,
    ),
    (
        "gross-median-weekly-pay",
        "285a76982afdfd38e9366535b43bf3e68c878ada7b819d722d2ec188c38eff17",
        "5d1a1f330fb55595bd2ef1d53971a1a6e7376aeeb746d3e0f074a499811f0a2a",
        7109,
    ),
    (
        "gross-value-added",
        "10bb77e41ecb370d8ca6f303dbcc3fe73c6938b42f03f188e9e6f700905bb4cb",
        "a6c4497500e951e1e6b01c52fb12205d4a547b114284640db8a5df3e994d4bce",
        16402,
    ),
    (
        "homicide-offences",
        "6b4269e0eabc5f92dfaf03fb7e97930cc4fc1ee5febd046020649ccf6889b6f8",
        "d2e0cefa3f36d9d90a7b049b810390130eb37daa5df01e05f49612bc284fd5ee",
        504,
    ),
    (
        "housing-affordability-ratio",
        "973d3aef791def803be89cc6e42125778efb6d0518321ae4cf4e14350bebff55",
        "655a1d6a3413f2effff06c75909d6a72e5456600b5b756d32e5424c9d85555af",
        8424,
    ),
    (
        "library-walk",
        "b1dee9496c24692197e1fcf7e824ddf80d27fac41f1055610e93e171d042921a",
        "8c455df72365ba24ba4270cb88cce4a1327f02472ac0e3fe208e9e85703d3646",
        362,
    ),
    (
        "modelled-unemployment",
        "96905fd71cc216a74397300cafa827fe310c231efe4872addfa9486813a2e766",
        "ee6f9c98861d9c8224a487c6e909149f93c30025d5336396cc43fe7ad947ebdf",
        7580,
    ),
    (
        "net-additions-to-the-housing-stock",
        "bb8b25a295945975a1ccc40298a58747821c97fab2ebe6a951f68d2379579739",
        "9d2bb6531781c1b94fd18987c8b92941e2d875c8bad6f8d178d1251d23202a6c",
        8621,
    ),
    (
        "persistent-absences-for-all-pupils",
        "e1dd8ee9d362a2a902cd5ad4219c54a9a66204512baf7764fc3bd703cba45234",
        "38a008f53aedd297f4e4f5384e67c5c25d2af51154b2c5f564dfd163975b1cab",
        2909,
    ),
    (
        "persistent-absences-for-pupils-eligible-for-free-school-meals",
        "9791f6da49816e59946be46c65c5337528a62332e124c0b4e43a73fe020518c4",
        "278a9c38340dd21d74448ef3656f0dd61ddccc0a372c693237549310b4c3171f",
        975,
    ),
    (
        "persistent-absences-for-pupils-looked-after-by-local-authorities",
        "72297a3bc6e205656a8754ce8d51045931ae802b2d977b976a0139c6da732655",
        "554bc7e4d5857b9a26d04bc930574c39beb073cff21a3fd1651a4542f7fc69b2",
        1148,
    ),
    (
        "personal-wellbeing-estimates",
        "6d387ce918f8b03a062e88b358cf55bbb17850ced645d610f33c614fd2302318",
        "4b937e2d2598d03589f46bd8f71b01f323826d089320416e602d5048e0c3f562",
        20112,
    ),
    (
        "pupils-at-expected-standards-by-end-of-primary-school",
        "ce4d2124987abb979dd8dfc923935a090ed4a063d788effd967f4419abba7f6d",
        "4badd0a2cd1d90edd4162dfd176a721af84d98057c1276ea660a86ca309851cb",
        1795,
    ),
    (
        "qualifications-level-3-or-above",
        "dfb5e9312503c56c268459ff249edc6d61803886ae7cdb93b2b6a8ce4e70cad9",
        "57424ec90d74f8a321d00240093531eae70f7d2c476b2cb73872ee8ce7d3cd32",
        803,
    ),
    (
        "qualifications-none-gb",
        "1b2451aa95b366432600fdf40f3f856e301a7873c04db0889843289dfe4009e3",
        "a4bc35010d7156d301bf234c727e95598c3d0b29bcb21e8e13cf58e0351d959c",
        804,
    ),
    (
        "railway-station-walk",
        "bafb5458e34810db3ed2ab05e9015a5d1bab660b02b0f329cc3517781bf4fe34",
        "d3e114adda04344470fc3716ebba6b60384ab5ba227297186d847098ee137480",
        362,
    ),
    (
        "sports-facilities",
        "d989f821530b35419eaa1990a6a80a7d0cc02734823947148c72e92f4556021b",
        "196453436721d3a3c954f321c1d0e5a69e99acb8b434dd4ca2b9cd64fecad660",
        361,
    ),
    (
        "supermarkets",
        "db17f0cecf5ea9a9a38516737fc59be02003ed6febdfcb9011ca94cf6490d301",
        "d80220377bb8b9f5efc5a91d41f05d0aff3c553c697583f652f69dede6975b2a",
        432,
    ),
)


def _els(stem: str, sha256: str, json_sha256: str, rows: int) -> Dataset:
    csv_path, json_path = f"{stem}/{stem}.csv", f"{stem}/{stem}.json"
    return Dataset(
        id="els_" + stem.replace("-", "_"),
        title=f"Explore Local Statistics: {stem.replace('-', ' ')}",
        publisher=ONS,
        period="as published (see the indicator metadata)",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography=(
            "UK, nations, regions, combined authorities, counties and UAs, districts "
            "(ITL regions and police force areas are left out)"
        ),
        file=f"els/{stem}.csv",
        sha256=sha256,
        rows=rows,
        table="indicators",
        parser=els.explore_local_statistics,
        url=f"https://github.com/{_ELS}/blob/{_ELS_COMMIT}/{csv_path}",
        url_note="The publisher's repository; the mirror file is the original, unchanged.",
        provenance=f"{_ELS} @ {_ELS_COMMIT}, {csv_path} and {json_path}",
        download_url=_raw_github(_ELS, _ELS_COMMIT, csv_path),
        caveats=(
            "The original publisher of each indicator is named in its metadata "
            "(indicator_metadata.source).",
            "Polarity and domain come from healthgap's reviewed table "
            "(healthgap.data.sources.indicator_review), with a reason for each.",
        ),
        companions=((f"els/{stem}.json", json_sha256, _raw_github(_ELS, _ELS_COMMIT, json_path)),),
    )


#: els/: ONS Explore Local Statistics (issue 15).
ELS: tuple[Dataset, ...] = (*(_els(*entry) for entry in _ELS_FILES),)
