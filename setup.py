"""patch-dashboard: a Horizon plugin that keeps workloads on patched, hardened images."""

import pathlib

from setuptools import find_packages, setup

HERE = pathlib.Path(__file__).parent


def package_files(package_dir: str, subdir: str) -> list[str]:
    """Every file below patch_dashboard/<subdir>, relative to the package (for package_data).

    static/ and enabled/ live at the top of the checkout (the product card's layout) and are
    mapped into the package by the symlinks patch_dashboard/static and patch_dashboard/enabled,
    so Horizon's static discovery and Django's app template loader find them both in a checkout
    and in an installed wheel.
    """
    root = HERE / package_dir
    return sorted(
        str(path.relative_to(root))
        for path in (root / subdir).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    )


setup(
    name="patch-dashboard",
    version="0.1.0",
    description=(
        "Horizon plugin: image patch status, outdated instances and image lifecycle "
        "(SCS scs-0102 compatible)"
    ),
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.10",
    packages=find_packages(include=["patch_dashboard", "patch_dashboard.*"]),
    package_data={
        "patch_dashboard": (
            package_files("patch_dashboard", "static")
            + package_files("patch_dashboard", "enabled")
            + [
                path
                for path in package_files("patch_dashboard", "content")
                + package_files("patch_dashboard", "templates")
                + package_files("patch_dashboard", "metadefs")
                if not path.endswith(".py")
            ]
            # the compiled catalogs Django reads, and their sources for translators
            + [p for p in package_files("patch_dashboard", "locale") if p.endswith((".po", ".mo"))]
        ),
    },
    include_package_data=False,
    install_requires=["horizon>=25.3.0,<28"],
    # `pip install patch-dashboard[cli]`: the `openstack` commands (docs/cli.md)
    extras_require={
        "cli": [
            "python-openstackclient>=7.0.0",
            "osc-lib>=3.0.0",
            "cliff>=4.0.0",
            "openstacksdk>=3.0.0",
        ],
    },
    entry_points={
        "openstack.cli.extension": ["patch = patch_dashboard.cli.plugin"],
        "openstack.image.v2": [
            "image_patch_list = patch_dashboard.cli.images:ListImagePatch",
            "image_patch_show = patch_dashboard.cli.images:ShowImagePatch",
            "image_deprecate = patch_dashboard.cli.lifecycle:DeprecateImage",
            "image_obsolete = patch_dashboard.cli.lifecycle:ObsoleteImage",
            "image_restore = patch_dashboard.cli.lifecycle:RestoreImage",
        ],
        "openstack.compute.v2": [
            "server_outdated_list = patch_dashboard.cli.servers:ListOutdatedServer",
        ],
    },
    classifiers=[
        "Environment :: OpenStack",
        "Framework :: Django",
        "Programming Language :: Python :: 3",
    ],
    zip_safe=False,
)
