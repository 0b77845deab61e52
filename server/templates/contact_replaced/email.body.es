Estimado(a) usuario(a):

Al recuperar la Clave Sence (CS) del RUT {{rut}}, validando el número de serie de la cédula de identidad, se reemplazaron los datos de contacto registrados: el correo electrónico ahora es {{new_email}} y el celular {{new_mobile}}. Este es el último mensaje que recibirá en esta dirección.

Si usted no hizo esta recuperación, llámenos de inmediato gratis al 800 80 10 30, de lunes a viernes de 9.00 a 18.00 horas.

Atte.
SENCE
