"""Service users and the service catalog of the development cloud (idempotent).

Run once by cloud.sh after Keystone answers: project `service`, users glance,
placement, nova (admin + service roles in it), and the image, placement and
compute services with public and internal endpoints.  The Neutron stand-in is
deliberately NOT registered: Horizon must not see a network service.
"""

import argparse

import openstack


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--keystone", required=True)
    p.add_argument("--admin-password", required=True)
    p.add_argument("--service-password", required=True)
    p.add_argument("--glance", required=True)
    p.add_argument("--placement", required=True)
    p.add_argument("--nova", required=True)
    a = p.parse_args()

    conn = openstack.connect(
        auth_url=a.keystone,
        username="admin",
        password=a.admin_password,
        project_name="admin",
        user_domain_name="Default",
        project_domain_name="Default",
        region_name="RegionOne",
        identity_api_version="3",
    )
    idn = conn.identity
    domain = idn.find_domain("default") or idn.find_domain("Default")

    project = idn.find_project("service", domain_id=domain.id)
    if project is None:
        project = idn.create_project(
            name="service", domain_id=domain.id, description="OpenStack services"
        )
    roles = {r.name: r for r in idn.roles()}
    for name in ("glance", "placement", "nova"):
        user = idn.find_user(name, domain_id=domain.id)
        if user is None:
            user = idn.create_user(
                name=name,
                password=a.service_password,
                domain_id=domain.id,
                default_project_id=project.id,
            )
        else:
            idn.update_user(user, password=a.service_password)
        for role in ("admin", "service"):
            idn.assign_project_role_to_user(project, user, roles[role])

    existing = {s.type: s for s in idn.services()}
    for stype, name, url in (
        ("image", "glance", a.glance),
        ("placement", "placement", a.placement),
        ("compute", "nova", a.nova),
    ):
        svc = existing.get(stype) or idn.create_service(name=name, type=stype, description=name)
        have = {e.interface for e in idn.endpoints(service_id=svc.id)}
        for interface in ("public", "internal"):
            if interface not in have:
                idn.create_endpoint(
                    service_id=svc.id, interface=interface, url=url, region_id="RegionOne"
                )
    print("catalog ready:", sorted(existing) + ["image", "placement", "compute"])


if __name__ == "__main__":
    main()
